package io.raftkv.shardkv.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ShellSyntaxTest {
    @Test
    void wordsArePlainOrQuotedWithEscapes() {
        List<ShellSyntax.Word> words = ShellSyntax.words("  put \"a b\\t\\\"c\\\"\" \"\" \\x41 ");
        assertThat(words)
                .extracting(w -> text(w.bytes()))
                .containsExactly("put", "a b\t\"c\"", "", "\\x41");
        assertThat(words)
                .extracting(ShellSyntax.Word::quoted)
                .containsExactly(false, true, true, false);
    }

    @Test
    void badQuotingIsRefusedWithWhereItWent() {
        assertThatThrownBy(() -> ShellSyntax.words("get \"k"))
                .hasMessage("a quote opened at column 5 is never closed");
        assertThatThrownBy(() -> ShellSyntax.words("get \"k\"x"))
                .hasMessage("a closing quote must end its word (column 7)");
        assertThatThrownBy(() -> ShellSyntax.words("get \"\\q\""))
                .hasMessageStartingWith("unknown escape \\q");
        assertThatThrownBy(() -> ShellSyntax.words("get \"\\x4\""))
                .hasMessage("\\x needs two hex digits");
    }

    /** Whatever the bytes, the quoted form reads back as one word with exactly those bytes. */
    @Test
    void anyValueQuotedReadsBackAsItself() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            byte[] value = new byte[random.nextInt(40)];
            for (int j = 0; j < value.length; j++) {
                value[j] =
                        (byte)
                                (random.nextBoolean()
                                        ? random.nextInt(256)
                                        : ' ' + random.nextInt(95));
            }
            String quoted = ShellSyntax.quote(value);
            assertThat(quoted).doesNotContain("\n").isNotEqualTo(Results.NIL);
            List<ShellSyntax.Word> words = ShellSyntax.words(quoted);
            assertThat(words).hasSize(1);
            assertThat(words.get(0).bytes()).as(quoted).isEqualTo(value);
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
