/**
 * Identifiers and checks shared by every module. Depends on nothing of ours; nothing here does I/O
 * or keeps state.
 */
package io.raftkv.common;
