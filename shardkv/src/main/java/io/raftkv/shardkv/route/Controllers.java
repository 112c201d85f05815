package io.raftkv.shardkv.route;

import io.raftkv.common.NodeId;
import io.raftkv.shardctrler.config.Member;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses a controller list: comma-separated {@code HOST:PORT} entries, each optionally prefixed
 * with its node id as {@code ID@HOST:PORT}. Without ids, the i-th entry (from 1) is node i: the
 * controller nodes must then have ids 1, 2, 3, ... in list order.
 */
public final class Controllers {
    private Controllers() {}

    /** The controllers in {@code list}; throws IllegalArgumentException with a readable reason. */
    public static List<Member> parse(String list) {
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException("no controllers given (HOST:PORT,HOST:PORT,...)");
        }
        List<Member> members = new ArrayList<>();
        String[] entries = list.split(",");
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            int at = entry.indexOf('@');
            NodeId id = NodeId.of(i + 1);
            if (at >= 0) {
                id = NodeId.of(parseId(entry.substring(0, at), entry));
                entry = entry.substring(at + 1);
            }
            members.add(new Member(id, entry));
        }
        if (members.stream().map(Member::node).distinct().count() != members.size()) {
            throw new IllegalArgumentException("controller ids repeat in " + list);
        }
        return members;
    }

    private static int parseId(String id, String entry) {
        try {
            int value = Integer.parseInt(id);
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new IllegalArgumentException("bad controller id in " + entry);
    }
}
