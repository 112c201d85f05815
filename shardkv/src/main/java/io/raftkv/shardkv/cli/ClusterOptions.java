package io.raftkv.shardkv.cli;

import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.route.Controllers;
import java.net.InetSocketAddress;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The options every command that talks to a cluster shares: where its controllers are. */
final class ClusterOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--controllers",
            defaultValue = "${env:RAFTKV_CONTROLLERS}",
            description =
                    "The controller nodes, HOST:PORT,... (or ID@HOST:PORT,...)."
                            + " Default: $RAFTKV_CONTROLLERS.")
    String controllers;

    @Option(
            names = "--timeout",
            defaultValue = "10",
            description =
                    "Seconds an operation may take before it fails. Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    List<Member> controllers() {
        if (controllers == null || controllers.isBlank()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "no controllers: give --controllers or set RAFTKV_CONTROLLERS");
        }
        if (timeoutSeconds < 1) {
            throw new ParameterException(spec.commandLine(), "--timeout must be at least 1");
        }
        try {
            return Controllers.parse(controllers);
        } catch (IllegalArgumentException bad) {
            throw new ParameterException(spec.commandLine(), "--controllers: " + bad.getMessage());
        }
    }

    List<InetSocketAddress> controllerAddresses() {
        return controllers().stream().map(Member::socketAddress).toList();
    }

    ShardKvClient client() {
        List<Member> members = controllers();
        return new ShardKvClient(members, new KvRouter.Options(timeoutSeconds * 1_000L, 200));
    }
}
