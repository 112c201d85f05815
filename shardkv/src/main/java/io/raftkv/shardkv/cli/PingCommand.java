package io.raftkv.shardkv.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code raftkv ping HOST:PORT}: whether a node accepts connections there (a health check). */
@Command(
        name = "ping",
        mixinStandardHelpOptions = true,
        description = "Exits 0 if something accepts connections at HOST:PORT, 1 if not.")
final class PingCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "HOST:PORT")
    String address;

    @Option(
            names = "--timeout-millis",
            defaultValue = "2000",
            description = "How long to wait for the connection. Default: ${DEFAULT-VALUE}.")
    int timeoutMillis;

    @Override
    public Integer call() {
        InetSocketAddress target;
        try {
            InetSocketAddress parsed = Addresses.parse(address);
            target = new InetSocketAddress(parsed.getHostString(), parsed.getPort());
        } catch (IllegalArgumentException bad) {
            throw new ParameterException(spec.commandLine(), bad.getMessage());
        }
        try (Socket socket = new Socket()) {
            socket.connect(target, timeoutMillis);
            spec.commandLine().getOut().println("OK " + address);
            return 0;
        } catch (IOException e) {
            spec.commandLine().getErr().printf("error: %s: %s%n", address, e.getMessage());
            return 1;
        }
    }
}
