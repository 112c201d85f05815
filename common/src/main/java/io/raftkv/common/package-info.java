/**
 * Identifiers, checks and the fail-stop contract shared by every module. Depends on nothing of
 * ours; nothing here keeps state, and only {@link io.raftkv.common.FailStop#haltProcess} does I/O.
 */
package io.raftkv.common;
