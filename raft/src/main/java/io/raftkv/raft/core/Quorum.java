package io.raftkv.raft.core;

import io.raftkv.common.Check;
import java.util.Arrays;
import java.util.Collection;

/** Majority arithmetic, kept pure so it can be tested against a brute-force reference. */
public final class Quorum {
    private Quorum() {}

    /** The outcome of counting votes. */
    public enum VoteResult {
        WON,
        LOST,
        PENDING
    }

    /**
     * The highest index that at least a majority of {@code matchIndexes} (one per voter) has
     * reached.
     */
    public static long committedIndex(long[] matchIndexes) {
        Check.argument(matchIndexes.length > 0, "no voters");
        long[] sorted = matchIndexes.clone();
        Arrays.sort(sorted);
        // With n voters sorted ascending, the value at n - quorum is held by a quorum of voters.
        return sorted[sorted.length - (sorted.length / 2 + 1)];
    }

    /** Tallies {@code granted} and {@code rejected} votes among {@code voterCount} voters. */
    public static VoteResult voteResult(int voterCount, int granted, int rejected) {
        Check.argument(granted + rejected <= voterCount, "more votes than voters");
        int quorum = voterCount / 2 + 1;
        if (granted >= quorum) {
            return VoteResult.WON;
        }
        return voterCount - rejected < quorum ? VoteResult.LOST : VoteResult.PENDING;
    }

    /** Tallies votes recorded as booleans (true = granted). */
    public static VoteResult voteResult(int voterCount, Collection<Boolean> votes) {
        int granted = (int) votes.stream().filter(vote -> vote).count();
        return voteResult(voterCount, granted, votes.size() - granted);
    }
}
