package io.raftkv.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BudgetTest {
    @Test
    void anEmptyBudgetAdmitsOneItemOfAnySize() {
        Budget budget = new Budget(3, 100);
        assertThat(budget.admits(1_000)).isTrue();

        budget.add(1_000);

        assertThat(budget.admits(1)).isFalse();
        assertThat(budget.refusal(1)).isEqualTo("1000 bytes and 1 more would pass 100");
    }

    @Test
    void itemsAreAdmittedWhileTheirBytesStayWithinTheBound() {
        Budget budget = new Budget(10, 100);
        budget.add(60);
        assertThat(budget.admits(40)).isTrue();
        assertThat(budget.admits(41)).isFalse();

        budget.remove(60);

        assertThat(budget.admits(100)).isTrue();
        assertThat(budget.count()).isZero();
        assertThat(budget.bytes()).isZero();
    }

    @Test
    void itemsAreRefusedPastTheCountWhateverTheirSize() {
        Budget budget = new Budget(2, 1_000);
        budget.add(1);
        budget.add(1);

        assertThat(budget.admits(0)).isFalse();
        assertThat(budget.refusal(0)).isEqualTo("2 of at most 2");

        budget.clear();
        assertThat(budget.admits(1_000)).isTrue();
    }
}
