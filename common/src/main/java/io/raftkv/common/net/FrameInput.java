package io.raftkv.common.net;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * A Kryo input over one whole frame that checks every length read from it against the bytes left
 * before anything is allocated. Kryo's own {@link Input} allocates first ({@code new byte[length]},
 * a char buffer of the declared string length) and finds the frame too short only afterwards, so a
 * 20-byte frame could make it allocate 2 GB.
 *
 * <p>Each element of an array, string or collection takes at least one byte, so a count larger than
 * the bytes left is malformed.
 */
final class FrameInput extends Input {
    FrameInput(byte[] frame) {
        super(frame);
    }

    /** Throws {@link KryoException} unless {@code count} elements fit in the bytes left. */
    void checkFits(int count, int bytesEach, String what) {
        int bytesLeft = limit - position;
        if (count < 0 || count > bytesLeft / bytesEach) {
            throw new KryoException(
                    "%s of %d elements declared with %d bytes left"
                            .formatted(what, count, bytesLeft));
        }
    }

    @Override
    public byte[] readBytes(int length) {
        checkFits(length, 1, "byte array");
        return super.readBytes(length);
    }

    /**
     * NB: a UTF-8 string starts with its char count + 1 (0 for null), and Kryo sizes its char
     * buffer from it before reading a char, so the count is peeked and checked first.
     */
    @Override
    public String readString() {
        if (readVarIntFlag()) {
            int start = position;
            int charCountPlusOne = readVarIntFlag(true);
            checkFits(charCountPlusOne == 0 ? 0 : charCountPlusOne - 1, 1, "string");
            position = start;
        }
        return super.readString();
    }
}
