package io.raftkv.shardkv.cli;

import java.util.List;
import java.util.stream.Collectors;

/** The little JSON the command line writes: strings quoted and escaped, objects and arrays. */
final class Json {
    private Json() {}

    /** {@code text} as a JSON string, or {@code null}. */
    static String string(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append("\\u%04x".formatted((int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }

    /** An object of {@code fields}, each already {@code "name":value}. */
    static String object(List<String> fields) {
        return "{" + String.join(",", fields) + "}";
    }

    /** {@code "name":value}, the value already JSON. */
    static String field(String name, String value) {
        return string(name) + ":" + value;
    }

    /** An array of values already JSON. */
    static String array(List<String> values) {
        return values.stream().collect(Collectors.joining(",", "[", "]"));
    }
}
