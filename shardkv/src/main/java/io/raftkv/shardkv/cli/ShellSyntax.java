package io.raftkv.shardkv.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The shell's words and values. A word is a run of non-blank characters, taken as it is, or a
 * double-quoted string with the escapes {@code \n \r \t \\ \" \xHH}, so a value can hold blanks,
 * line breaks, any byte, or nothing at all ({@code ""}). Values print quoted the same way, so that
 * no value looks like the unquoted {@code (nil)} of a missing key.
 */
final class ShellSyntax {
    /** One word of a command line: its bytes, whether it was quoted, and where the rest starts. */
    record Word(byte[] bytes, boolean quoted, int end) {}

    private ShellSyntax() {}

    /** The words of {@code line}; {@link IllegalArgumentException} for a quote left open. */
    static List<Word> words(String line) {
        List<Word> words = new ArrayList<>();
        int at = skipBlanks(line, 0);
        while (at < line.length()) {
            Word word = line.charAt(at) == '"' ? quoted(line, at) : plain(line, at);
            words.add(word);
            at = skipBlanks(line, word.end());
        }
        return words;
    }

    /** The text after the word that ends at {@code end}, without its leading blanks. */
    static String rest(String line, int end) {
        return line.substring(skipBlanks(line, end)).stripTrailing();
    }

    /** {@code value} as the shell prints it: double-quoted, with escapes. */
    static String quote(byte[] value) {
        StringBuilder text = new StringBuilder(value.length + 2).append('"');
        String decoded = ValueEncoding.utf8(value).orElse(null);
        if (decoded == null) {
            for (byte b : value) {
                appendByte(text, b & 0xff);
            }
        } else {
            decoded.codePoints().forEach(c -> appendCodePoint(text, c));
        }
        return text.append('"').toString();
    }

    private static void appendCodePoint(StringBuilder text, int c) {
        switch (c) {
            case '"' -> text.append("\\\"");
            case '\\' -> text.append("\\\\");
            case '\n' -> text.append("\\n");
            case '\r' -> text.append("\\r");
            case '\t' -> text.append("\\t");
            default -> {
                if (c < 0x20 || c == 0x7f) {
                    text.append("\\x").append(HexFormat.of().toHexDigits((byte) c));
                } else {
                    text.appendCodePoint(c);
                }
            }
        }
    }

    private static void appendByte(StringBuilder text, int b) {
        if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
            text.append((char) b);
        } else if (b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t') {
            appendCodePoint(text, b);
        } else {
            text.append("\\x").append(HexFormat.of().toHexDigits((byte) b));
        }
    }

    private static Word plain(String line, int start) {
        int end = start;
        while (end < line.length() && !Character.isWhitespace(line.charAt(end))) {
            end++;
        }
        return new Word(line.substring(start, end).getBytes(StandardCharsets.UTF_8), false, end);
    }

    private static Word quoted(String line, int start) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int at = start + 1;
        while (at < line.length()) {
            char c = line.charAt(at);
            if (c == '"') {
                if (at + 1 < line.length() && !Character.isWhitespace(line.charAt(at + 1))) {
                    throw new IllegalArgumentException(
                            "a closing quote must end its word (column %d)".formatted(at + 1));
                }
                return new Word(bytes.toByteArray(), true, at + 1);
            }
            if (c == '\\') {
                at = escape(line, at, bytes);
                continue;
            }
            int codePoint = line.codePointAt(at);
            bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
            at += Character.charCount(codePoint);
        }
        throw new IllegalArgumentException(
                "a quote opened at column %d is never closed".formatted(start + 1));
    }

    /** Writes the escape at {@code at} (a backslash) and returns where the text goes on. */
    private static int escape(String line, int at, ByteArrayOutputStream bytes) {
        if (at + 1 >= line.length()) {
            throw new IllegalArgumentException("a backslash ends the line");
        }
        char kind = line.charAt(at + 1);
        switch (kind) {
            case 'n' -> bytes.write('\n');
            case 'r' -> bytes.write('\r');
            case 't' -> bytes.write('\t');
            case '\\' -> bytes.write('\\');
            case '"' -> bytes.write('"');
            case 'x' -> {
                if (at + 4 > line.length()) {
                    throw new IllegalArgumentException("\\x needs two hex digits");
                }
                try {
                    bytes.write(HexFormat.fromHexDigits(line, at + 2, at + 4));
                } catch (IllegalArgumentException notHex) {
                    throw new IllegalArgumentException("\\x needs two hex digits");
                }
                return at + 4;
            }
            default ->
                    throw new IllegalArgumentException(
                            "unknown escape \\%c (known: \\n \\r \\t \\\\ \\\" \\xHH)"
                                    .formatted(kind));
        }
        return at + 2;
    }

    private static int skipBlanks(String line, int at) {
        while (at < line.length() && Character.isWhitespace(line.charAt(at))) {
            at++;
        }
        return at;
    }
}
