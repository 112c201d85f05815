package io.raftkv.shardkv.cli;

import io.raftkv.common.net.EndpointIdentity;
import io.raftkv.common.net.tls.TlsFiles;
import io.raftkv.shardctrler.config.Member;
import io.raftkv.shardkv.client.KvRouter;
import io.raftkv.shardkv.client.ShardKvClient;
import io.raftkv.shardkv.route.Controllers;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
            defaultValue = "10s",
            converter = DurationConverter.class,
            paramLabel = "DURATION",
            description =
                    "How long an operation may take: 500ms, 2s, 1m (a bare number is seconds)."
                            + " Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(
            names = "--tls-ca",
            defaultValue = "${env:RAFTKV_TLS_CA}",
            description =
                    "The cluster CA's certificate (PEM): turns TLS on. Default: $RAFTKV_TLS_CA.")
    Path tlsCa;

    @Option(
            names = "--tls-cert",
            defaultValue = "${env:RAFTKV_TLS_CERT}",
            description =
                    "This node's or client's certificate (PEM), signed by the CA; a client needs"
                            + " one for admin operations. Default: $RAFTKV_TLS_CERT.")
    Path tlsCert;

    @Option(
            names = "--tls-key",
            defaultValue = "${env:RAFTKV_TLS_KEY}",
            description = "The private key of --tls-cert (PEM). Default: $RAFTKV_TLS_KEY.")
    Path tlsKey;

    /**
     * The certificate, key and CA given, if any: all three, or none (a usage error otherwise, or if
     * a file is missing).
     */
    Optional<TlsFiles> tlsFiles() {
        unsetEmptyTlsPaths();
        if (tlsCert == null && tlsKey == null && tlsCa == null) {
            return Optional.empty();
        }
        if (tlsCert == null || tlsKey == null || tlsCa == null) {
            throw new ParameterException(
                    spec.commandLine(), "give --tls-ca, --tls-cert and --tls-key together");
        }
        try {
            return Optional.of(new TlsFiles(tlsCert, tlsKey, tlsCa));
        } catch (IllegalArgumentException bad) {
            throw new ParameterException(spec.commandLine(), bad.getMessage());
        }
    }

    /**
     * How a client dials: plaintext without --tls-ca; with it, TLS trusting that CA, presenting
     * --tls-cert and --tls-key when given.
     */
    EndpointIdentity clientIdentity() {
        unsetEmptyTlsPaths();
        if (tlsCa == null) {
            if (tlsCert != null || tlsKey != null) {
                throw new ParameterException(
                        spec.commandLine(), "--tls-cert and --tls-key need --tls-ca");
            }
            return EndpointIdentity.client();
        }
        Optional<TlsFiles> certificate =
                tlsCert == null && tlsKey == null ? Optional.empty() : tlsFiles();
        try {
            return EndpointIdentity.tlsClient(tlsCa, certificate);
        } catch (IllegalArgumentException bad) {
            throw new ParameterException(spec.commandLine(), "--tls-ca: " + bad.getMessage());
        }
    }

    /** An empty flag or variable ({@code RAFTKV_TLS_CERT=}) counts as not given. */
    private void unsetEmptyTlsPaths() {
        tlsCa = emptyAsNull(tlsCa);
        tlsCert = emptyAsNull(tlsCert);
        tlsKey = emptyAsNull(tlsKey);
    }

    private static Path emptyAsNull(Path path) {
        return path == null || path.toString().isEmpty() ? null : path;
    }

    List<Member> controllers() {
        if (controllers == null || controllers.isBlank()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "no controllers: give --controllers or set RAFTKV_CONTROLLERS");
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
        return new ShardKvClient(
                members, new KvRouter.Options(timeout.toMillis(), 200), clientIdentity());
    }
}
