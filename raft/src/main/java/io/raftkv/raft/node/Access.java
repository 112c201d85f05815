package io.raftkv.raft.node;

import io.raftkv.common.net.Origin;

/** Who may issue an operation on a group (DESIGN.md rule 7), most open first. */
public enum Access {
    /** Any client: reads and writes of the data, status. */
    CLIENT,
    /** Admin clients (any client while TLS is off; with TLS, one with a client certificate). */
    ADMIN,
    /** The cluster's nodes only: Raft messages and group-internal commands. */
    PEER;

    /** Whether a frame from {@code origin} may issue an operation that needs this access. */
    public boolean allows(Origin origin) {
        return switch (origin) {
            case Origin.Peer peer -> true;
            case Origin.Admin admin -> this != PEER;
            case Origin.Client client -> this == CLIENT;
            case Origin.Called called -> false; // a node we dialed answers; it does not ask
        };
    }

    /** Why an operation that needs this access was refused to a frame from {@code origin}. */
    public String refusal(String operation) {
        return switch (this) {
            case CLIENT -> "FORBIDDEN: " + operation + " is not accepted on this connection";
            case ADMIN ->
                    "FORBIDDEN: "
                            + operation
                            + " is an admin operation: with TLS on it needs a client certificate"
                            + " signed by the cluster CA";
            case PEER ->
                    "FORBIDDEN: "
                            + operation
                            + " is group-internal: only the cluster's nodes may send it";
        };
    }
}
