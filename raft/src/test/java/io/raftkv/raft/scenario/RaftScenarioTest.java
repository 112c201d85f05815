package io.raftkv.raft.scenario;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Scenario tests of the Raft core: each test runs one script from {@code
 * src/test/resources/scenarios/} through {@link ScenarioScript} and requires the transcript to
 * equal the golden output in the file, line for line. The transcript is the assertion, as in
 * etcd-raft's {@code interaction_test.go}; {@link ScenarioScript} lists the commands.
 *
 * <p>When a change to the core alters a transcript, the test fails with a diff. Run with {@code
 * -Dscenario.rewrite=true} to rewrite the golden files with the new output: only commit rewritten
 * files if you understand the change, line by line. A rewritten golden is a new claim about how
 * Raft behaves, not a fix. For example: {@code mvn -pl common,raft test -Dtest=RaftScenarioTest
 * -Dscenario.rewrite=true}.
 */
class RaftScenarioTest {
    private static final boolean REWRITE = Boolean.getBoolean("scenario.rewrite");

    @Test
    void preVoteKeepsARejoiningFollowerFromDisruptingTheLeader() {
        runScenario("prevote_blocks_disruptive_rejoin");
    }

    @Test
    void isolatedLeaderStepsDownWhenItLosesTheQuorum() {
        runScenario("checkquorum_isolated_leader_steps_down");
    }

    @Test
    void divergentFollowerLogIsRepairedOneTermPerRoundTrip() {
        runScenario("log_divergence_repaired_by_conflict_term");
    }

    @Test
    void readIndexIsConfirmedOnlyByTheCurrentLeaderAfterItsNoopCommits() {
        runScenario("read_index_across_leader_change");
    }

    @Test
    void laggingFollowerCatchesUpFromAChunkedSnapshot() {
        runScenario("snapshot_to_lagging_follower");
    }

    @Test
    void leaderHandsOverLeadershipWithTimeoutNow() {
        runScenario("leadership_transfer");
    }

    @Test
    void leaderRefusesTooLargeCommandsAndBoundsUncommittedBytesAndPendingReads() {
        runScenario("proposal_and_read_bounds");
    }

    private static void runScenario(String name) {
        Path golden = scenarioDirectory().resolve(name + ".txt");
        String expected = read(golden);
        String actual = ScenarioScript.run(expected);
        if (actual.equals(expected)) {
            return;
        }
        if (REWRITE) {
            write(golden, actual);
            return;
        }
        fail(
                "scenario %s differs from its golden file (-expected +actual):%n%s%n"
                        + "If the change is intended, rerun with -Dscenario.rewrite=true and review"
                        + " the rewritten file.",
                golden, TextDiff.of(expected, actual));
    }

    /** The source directory, not the copy on the class path: rewrites must land in the tree. */
    private static Path scenarioDirectory() {
        for (Path candidate :
                new Path[] {
                    Path.of("src/test/resources/scenarios"),
                    Path.of("raft/src/test/resources/scenarios")
                }) {
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                "no scenarios directory under " + Path.of("").toAbsolutePath());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file, e);
        }
    }
}
