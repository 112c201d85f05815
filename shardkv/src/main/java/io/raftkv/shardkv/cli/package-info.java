/** The {@code raftkv} command line (picocli). Each subcommand is one class. */
package io.raftkv.shardkv.cli;
