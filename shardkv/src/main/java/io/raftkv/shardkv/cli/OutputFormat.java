package io.raftkv.shardkv.cli;

/** How a command prints its results: {@code --output text} (the default) or {@code json}. */
enum OutputFormat {
    TEXT,
    JSON
}
