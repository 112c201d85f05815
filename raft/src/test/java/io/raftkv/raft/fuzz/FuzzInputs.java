package io.raftkv.raft.fuzz;

import io.raftkv.raft.fuzz.DecoderFuzz.LengthCoding;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The inputs of fuzz cases, each from one seeded random: valid encodings as they are, random bytes,
 * mutations of valid encodings (bit flips, byte changes, truncation, insertion, duplication and
 * deletion of a range), and valid encodings with one length field set to an extreme.
 */
final class FuzzInputs {
    /** One case's bytes and how they were made, for the failure message. */
    record Input(byte[] bytes, boolean valid, String how) {}

    private FuzzInputs() {}

    static Input next(SplittableRandom random, List<byte[]> corpus, LengthCoding lengths) {
        byte[] valid = corpus.get(random.nextInt(corpus.size()));
        int kind = random.nextInt(100);
        if (kind < 4) {
            return new Input(valid.clone(), true, "valid");
        }
        if (kind < 12) {
            byte[] bytes = new byte[random.nextInt(2 * valid.length + 2)];
            random.nextBytes(bytes);
            return new Input(bytes, false, "random bytes");
        }
        if (kind < 40) {
            return lengthExtreme(random, valid, lengths);
        }
        byte[] bytes = valid;
        StringBuilder how = new StringBuilder("mutated:");
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
            bytes = mutate(random, bytes, how);
        }
        return new Input(bytes, false, how.toString());
    }

    private static byte[] mutate(SplittableRandom random, byte[] bytes, StringBuilder how) {
        if (bytes.length == 0) {
            how.append(" insert");
            return randomBytes(random, 1 + random.nextInt(8));
        }
        int at = random.nextInt(bytes.length);
        int end = at + random.nextInt(Math.min(16, bytes.length - at) + 1);
        byte[] out = bytes.clone();
        switch (random.nextInt(6)) {
            case 0 -> {
                out[at] ^= (byte) (1 << random.nextInt(8));
                how.append(" flip@").append(at);
            }
            case 1 -> {
                out[at] = (byte) random.nextInt(256);
                how.append(" set@").append(at);
            }
            case 2 -> {
                out = Arrays.copyOf(bytes, at);
                how.append(" truncate@").append(at);
            }
            case 3 -> {
                out = splice(bytes, at, at, randomBytes(random, 1 + random.nextInt(8)));
                how.append(" insert@").append(at);
            }
            case 4 -> {
                out = splice(bytes, end, end, Arrays.copyOfRange(bytes, at, end));
                how.append(" duplicate@").append(at).append('-').append(end);
            }
            default -> {
                out = splice(bytes, at, end, new byte[0]);
                how.append(" delete@").append(at).append('-').append(end);
            }
        }
        return out;
    }

    /** {@code valid} with the length field at a random offset set to an extreme value. */
    private static Input lengthExtreme(
            SplittableRandom random, byte[] valid, LengthCoding lengths) {
        int fieldBytes = lengths == LengthCoding.BIG_ENDIAN_INT ? 4 : 1;
        if (valid.length < fieldBytes) {
            return new Input(valid.clone(), true, "valid (too short for a length field)");
        }
        int at = random.nextInt(valid.length - fieldBytes + 1);
        int span = lengths == LengthCoding.BIG_ENDIAN_INT ? 4 : varintSpan(valid, at);
        int bytesLeft = valid.length - at - span;
        int[] extremes = {
            0,
            1,
            -1,
            Integer.MAX_VALUE,
            Integer.MIN_VALUE,
            bytesLeft,
            bytesLeft + 1,
            bytesLeft - 1,
            bytesLeft + 2,
            0x7F,
            0xFF,
            0xFFFF,
            1 << 16,
            1 << 24,
            1 << 30
        };
        int value = extremes[random.nextInt(extremes.length)];
        byte[] field =
                lengths == LengthCoding.BIG_ENDIAN_INT
                        ? ByteBuffer.allocate(4).putInt(value).array()
                        : varint(value);
        return new Input(
                splice(valid, at, at + span, field), false, "length %d at %d".formatted(value, at));
    }

    /** The bytes of the varint starting at {@code at}: up to five, while the high bit is set. */
    private static int varintSpan(byte[] bytes, int at) {
        int span = 1;
        while (span < 5 && at + span < bytes.length && (bytes[at + span - 1] & 0x80) != 0) {
            span++;
        }
        return span;
    }

    private static byte[] varint(int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(5);
        int rest = value;
        while ((rest & ~0x7F) != 0) {
            out.write((rest & 0x7F) | 0x80);
            rest >>>= 7;
        }
        out.write(rest);
        return out.toByteArray();
    }

    /** {@code bytes} with {@code [from, to)} replaced by {@code middle}. */
    private static byte[] splice(byte[] bytes, int from, int to, byte[] middle) {
        byte[] out = new byte[bytes.length - (to - from) + middle.length];
        System.arraycopy(bytes, 0, out, 0, from);
        System.arraycopy(middle, 0, out, from, middle.length);
        System.arraycopy(bytes, to, out, from + middle.length, bytes.length - to);
        return out;
    }

    private static byte[] randomBytes(SplittableRandom random, int count) {
        byte[] bytes = new byte[count];
        random.nextBytes(bytes);
        return bytes;
    }
}
