package io.raftkv.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.raft.core.Quorum.VoteResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Quorum} against brute-force references that follow the definition of a majority. */
class QuorumTest {
    private static final int CASES = 5_000;

    // ------------------------------------------------------------------ committedIndex

    @ParameterizedTest(name = "{0} commits {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "7           | 7",
                "3 1         | 1",
                "1 2 3       | 2",
                "5 5 0       | 5",
                "0 0 9       | 0",
                "1 1 2 2     | 1",
                "4 4 4 1     | 4",
                "0 0 5 5 5   | 5",
                "9 8 0 0 1   | 1",
                "2 2 2 2 2 2 | 2",
                "1 2 3 4 5 6 | 3",
            })
    void committedIndexIsTheHighestIndexAMajorityHolds(String matches, long expected) {
        long[] matchIndexes =
                Arrays.stream(matches.split(" ")).mapToLong(Long::parseLong).toArray();

        assertThat(Quorum.committedIndex(matchIndexes)).isEqualTo(expected);
    }

    @Test
    void committedIndexMatchesTheBruteForceReference() {
        SeededCases.forEachSeed(
                1_000,
                CASES,
                (seed, random) -> {
                    long[] matchIndexes = randomMatchIndexes(random);

                    assertThat(Quorum.committedIndex(matchIndexes))
                            .as("seed %d, matches %s", seed, Arrays.toString(matchIndexes))
                            .isEqualTo(referenceCommittedIndex(matchIndexes));
                });
    }

    @Test
    void committedIndexLeavesItsInputUntouched() {
        long[] matchIndexes = {9, 3, 7, 1, 5};

        Quorum.committedIndex(matchIndexes);

        assertThat(matchIndexes).containsExactly(9, 3, 7, 1, 5);
    }

    @Test
    void committedIndexNeedsAtLeastOneVoter() {
        assertThatThrownBy(() -> Quorum.committedIndex(new long[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Voters 1 to 9, matches either small (many ties) or spread over a wide range. */
    private static long[] randomMatchIndexes(SplittableRandom random) {
        int voterCount = random.nextInt(1, 10);
        long bound = random.nextBoolean() ? 4 : 1_000_000_000_000L;
        long[] matchIndexes = new long[voterCount];
        for (int voter = 0; voter < voterCount; voter++) {
            matchIndexes[voter] = random.nextLong(bound);
        }
        return matchIndexes;
    }

    /**
     * The largest, over every subset of voters that is a majority (more than half), of the smallest
     * match in the subset: every voter in that subset holds the index.
     */
    private static long referenceCommittedIndex(long[] matchIndexes) {
        int voterCount = matchIndexes.length;
        long best = -1;
        for (int subset = 1; subset < 1 << voterCount; subset++) {
            if (2 * Integer.bitCount(subset) <= voterCount) {
                continue;
            }
            long held = Long.MAX_VALUE;
            for (int voter = 0; voter < voterCount; voter++) {
                if ((subset & (1 << voter)) != 0) {
                    held = Math.min(held, matchIndexes[voter]);
                }
            }
            best = Math.max(best, held);
        }
        return best;
    }

    // ------------------------------------------------------------------ voteResult

    @ParameterizedTest(name = "{0} voters, {1} granted, {2} rejected: {3}")
    @CsvSource({
        "1, 0, 0, PENDING",
        "1, 1, 0, WON",
        "1, 0, 1, LOST",
        "2, 1, 0, PENDING",
        "2, 1, 1, LOST",
        "2, 2, 0, WON",
        "3, 1, 0, PENDING",
        "3, 2, 0, WON",
        "3, 1, 1, PENDING",
        "3, 0, 2, LOST",
        "4, 2, 0, PENDING",
        "4, 2, 2, LOST",
        "4, 3, 1, WON",
        "5, 2, 2, PENDING",
        "5, 3, 2, WON",
        "5, 2, 3, LOST",
    })
    void voteResultFollowsTheMajority(int voters, int granted, int rejected, VoteResult expected) {
        assertThat(Quorum.voteResult(voters, granted, rejected)).isEqualTo(expected);
    }

    @Test
    void voteResultMatchesTheBruteForceReferenceForEveryTally() {
        int tallies = 0;
        for (int voters = 1; voters <= 9; voters++) {
            for (int granted = 0; granted <= voters; granted++) {
                for (int rejected = 0; granted + rejected <= voters; rejected++) {
                    assertThat(Quorum.voteResult(voters, granted, rejected))
                            .as("%d voters, %d granted, %d rejected", voters, granted, rejected)
                            .isEqualTo(referenceVoteResult(voters, granted, rejected));
                    tallies++;
                }
            }
        }
        assertThat(tallies).as("every tally of 1 to 9 voters").isEqualTo(219);
    }

    @Test
    void voteResultOfRecordedVotesMatchesTheBruteForceReference() {
        SeededCases.forEachSeed(
                20_000,
                CASES,
                (seed, random) -> {
                    int voters = random.nextInt(1, 10);
                    List<Boolean> votes = new ArrayList<>();
                    int answered = random.nextInt(voters + 1);
                    for (int vote = 0; vote < answered; vote++) {
                        votes.add(random.nextBoolean());
                    }
                    int granted = Collections.frequency(votes, true);

                    assertThat(Quorum.voteResult(voters, votes))
                            .as("seed %d, %d voters, votes %s", seed, voters, votes)
                            .isEqualTo(referenceVoteResult(voters, granted, answered - granted));
                });
    }

    @Test
    void moreVotesThanVotersAreRejected() {
        assertThatThrownBy(() -> Quorum.voteResult(3, 2, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Quorum.voteResult(1, List.of(true, true)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Tries every way the voters that have not answered could still vote: WON if the granted votes
     * already are more than half, LOST if no outcome of the rest makes them so, else PENDING.
     */
    private static VoteResult referenceVoteResult(int voters, int granted, int rejected) {
        if (2 * granted > voters) {
            return VoteResult.WON;
        }
        int unanswered = voters - granted - rejected;
        for (int laterGrants = 0; laterGrants <= unanswered; laterGrants++) {
            if (2 * (granted + laterGrants) > voters) {
                return VoteResult.PENDING;
            }
        }
        return VoteResult.LOST;
    }
}
