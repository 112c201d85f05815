package io.raftkv.shardkv.cli;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * How values are written on the command line and printed: as UTF-8 text (the default), or as hex or
 * base64 ({@code --hex}, {@code --base64}), so that any bytes can be stored and read back.
 */
enum ValueEncoding {
    TEXT,
    HEX,
    BASE64;

    /** The bytes {@code argument} stands for; {@link IllegalArgumentException} if it is no hex. */
    byte[] decode(String argument) {
        return switch (this) {
            case TEXT -> argument.getBytes(StandardCharsets.UTF_8);
            case HEX -> HexFormat.of().parseHex(argument);
            case BASE64 -> Base64.getDecoder().decode(argument);
        };
    }

    /** {@code bytes} as this encoding prints them. */
    String encode(byte[] bytes) {
        return switch (this) {
            case TEXT -> new String(bytes, StandardCharsets.UTF_8);
            case HEX -> HexFormat.of().formatHex(bytes);
            case BASE64 -> Base64.getEncoder().encodeToString(bytes);
        };
    }

    /** {@code bytes} as UTF-8 text, if they are valid UTF-8. */
    static Optional<String> utf8(byte[] bytes) {
        try {
            return Optional.of(
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(bytes))
                            .toString());
        } catch (CharacterCodingException notUtf8) {
            return Optional.empty();
        }
    }
}
