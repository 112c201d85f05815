package io.raftkv.shardkv.linearizability;

/** How values appear in explanations: quoted, {@code absent} for null, long ones shortened. */
final class Render {
    private static final int SHOWN_CHARS_MAX = 48;

    private Render() {}

    static String value(String value) {
        if (value == null) {
            return "absent";
        }
        if (value.length() <= SHOWN_CHARS_MAX) {
            return '"' + value + '"';
        }
        int half = SHOWN_CHARS_MAX / 2;
        return '"'
                + value.substring(0, half)
                + "..."
                + value.substring(value.length() - half)
                + "\" ("
                + value.length()
                + " chars)";
    }
}
