package io.raftkv.shardctrler.config;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.net.InetSocketAddress;

/** A node serving a group, and where clients and peers reach it ({@code host:port}). */
public record Member(NodeId node, String address) implements Comparable<Member> {
    /** The longest address accepted. */
    public static final int ADDRESS_CHARS_MAX = 255;

    public Member {
        Check.argument(node != null, "a member needs a node id");
        Check.argument(
                address != null && !address.isBlank() && address.length() <= ADDRESS_CHARS_MAX,
                "a member address is host:port, got %s",
                address);
        int colon = address.lastIndexOf(':');
        Check.argument(
                colon > 0 && validPort(address.substring(colon + 1)),
                "a member address is host:port, got %s",
                address);
    }

    private static boolean validPort(String port) {
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
            return false;
        }
        int value = Integer.parseInt(port);
        return value >= 1 && value <= 65_535;
    }

    /** Where to connect: {@link #address} as a socket address, resolved when connecting. */
    public InetSocketAddress socketAddress() {
        int colon = address.lastIndexOf(':');
        return InetSocketAddress.createUnresolved(
                address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    }

    /**
     * By node id, then by address: consistent with {@link #equals}, so a {@code TreeSet<Member>}
     * keeps two members that share a node id but not an address.
     */
    @Override
    public int compareTo(Member other) {
        int byNode = node.compareTo(other.node);
        return byNode != 0 ? byNode : address.compareTo(other.address);
    }

    /** For messages and logs: {@code n3 at 127.0.0.1:7003}. */
    @Override
    public String toString() {
        return node + " at " + address;
    }
}
