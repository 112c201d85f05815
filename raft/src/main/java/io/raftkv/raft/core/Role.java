package io.raftkv.raft.core;

/** A replica's role. Pre-candidates campaign without raising their term (thesis section 9.6). */
public enum Role {
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
