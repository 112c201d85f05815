/**
 * Seeded fuzzing of decoders: every decoder of bytes from the wire or the disk is fed random bytes,
 * mutations of valid encodings and length fields set to extremes, and must either decode or refuse
 * with its documented exception, allocating no more than a small multiple of its input. {@code
 * -Dfuzz.cases=N} runs N cases per decoder; {@code -Dfuzz.seed=S} replays one case.
 *
 * <p>Shipped in the {@code raft} test-jar so the controller and KV modules fuzz their codecs with
 * the same runner.
 */
package io.raftkv.raft.fuzz;
