package io.raftkv.raft.scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff for failure messages: the longest common subsequence of two texts, printed as hunks
 * of {@code -expected} and {@code +actual} lines with two lines of context and 1-based line numbers
 * of the expected text. Quadratic, which is fine for scenario files of a few hundred lines.
 */
final class TextDiff {
    private static final int CONTEXT_LINES = 2;

    private TextDiff() {}

    static String of(String expected, String actual) {
        List<String> before = expected.lines().toList();
        List<String> after = actual.lines().toList();
        List<String> edits = edits(before, after);
        StringBuilder out = new StringBuilder();
        int lastPrinted = -1;
        for (int i = 0; i < edits.size(); i++) {
            if (!isChangeNear(edits, i)) {
                continue;
            }
            if (lastPrinted != i - 1) {
                out.append("@@ expected line ").append(expectedLine(edits, i)).append(" @@\n");
            }
            out.append(edits.get(i)).append('\n');
            lastPrinted = i;
        }
        return out.toString();
    }

    /** Each line of both texts, prefixed with ' ', '-' or '+'. */
    private static List<String> edits(List<String> before, List<String> after) {
        int[][] common = new int[before.size() + 1][after.size() + 1];
        for (int i = before.size() - 1; i >= 0; i--) {
            for (int j = after.size() - 1; j >= 0; j--) {
                common[i][j] =
                        before.get(i).equals(after.get(j))
                                ? common[i + 1][j + 1] + 1
                                : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<String> edits = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < before.size() || j < after.size()) {
            if (i < before.size() && j < after.size() && before.get(i).equals(after.get(j))) {
                edits.add("  " + before.get(i++));
                j++;
            } else if (i < before.size()
                    && (j == after.size() || common[i + 1][j] >= common[i][j + 1])) {
                edits.add("- " + before.get(i++));
            } else {
                edits.add("+ " + after.get(j++));
            }
        }
        return edits;
    }

    private static boolean isChangeNear(List<String> edits, int index) {
        int from = Math.max(0, index - CONTEXT_LINES);
        int to = Math.min(edits.size() - 1, index + CONTEXT_LINES);
        for (int k = from; k <= to; k++) {
            if (!edits.get(k).startsWith(" ")) {
                return true;
            }
        }
        return false;
    }

    private static int expectedLine(List<String> edits, int index) {
        int line = 1;
        for (int k = 0; k < index; k++) {
            if (!edits.get(k).startsWith("+")) {
                line++;
            }
        }
        return line;
    }
}
