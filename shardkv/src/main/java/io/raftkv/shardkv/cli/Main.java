package io.raftkv.shardkv.cli;

import io.raftkv.shardctrler.client.ControllerUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code raftkv} command. Exit codes: 0 success, 1 operation error, 2 usage error, 3 unknown
 * outcome (a write that may or may not have been applied; see {@link Results}); errors are one
 * readable line on stderr.
 */
@Command(
        name = "raftkv",
        mixinStandardHelpOptions = true,
        version = "raftkv 0.1.0",
        description = "A sharded key/value store built on Raft.",
        subcommands = {
            DemoCommand.class,
            NodeCommand.class,
            AdminCommand.class,
            KvOpsCommand.class,
            ShellCommand.class,
            PingCommand.class,
            BenchCommand.class,
            CertsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main {
    @Option(
            names = "--verbose",
            scope = ScopeType.INHERIT,
            description = "Print the stack trace of an unexpected error.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code. */
    public static int run(String... args) {
        Main main = new Main();
        CommandLine commandLine = new CommandLine(main);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler(
                (exception, command, parseResult) -> {
                    boolean unknown =
                            exception instanceof ControllerUnavailableException unavailable
                                    && unavailable.mayHaveApplied();
                    String message =
                            unknown
                                    ? exception.getMessage()
                                            + "; the change may or may not have been applied"
                                            + " (raftkv admin query shows the latest config)"
                                    : exception.getMessage();
                    command.getErr()
                            .println(command.getColorScheme().errorText("error: " + message));
                    if (main.verbose) {
                        exception.printStackTrace(command.getErr());
                    }
                    return unknown ? Results.EXIT_UNKNOWN : Results.EXIT_FAILED;
                });
        commandLine.setParameterExceptionHandler(
                (exception, arguments) -> {
                    CommandLine command = exception.getCommandLine();
                    command.getErr()
                            .printf(
                                    "error: %s (see '%s --help')%n",
                                    exception.getMessage(),
                                    command.getCommandSpec().qualifiedName());
                    return Results.EXIT_USAGE;
                });
        return commandLine.execute(args);
    }
}
