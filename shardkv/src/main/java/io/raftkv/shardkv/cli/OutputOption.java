package io.raftkv.shardkv.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code --output text|json}, shared by the commands that print results. */
final class OutputOption {
    @Option(
            names = "--output",
            scope = ScopeType.INHERIT,
            defaultValue = "text",
            paramLabel = "text|json",
            description = "How results are printed: text (default) or json.")
    OutputFormat format;

    boolean json() {
        return format == OutputFormat.JSON;
    }
}
