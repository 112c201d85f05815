package io.raftkv.shardkv.cli;

import io.raftkv.common.NodeId;
import io.raftkv.common.net.tls.CertificateAuthority;
import io.raftkv.common.net.tls.TlsFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code raftkv certs}: the cluster CA and the certificates of nodes and clients, for TLS (issue
 * 10). A thin front end to {@link CertificateAuthority}: it turns bad arguments into usage errors
 * and says what it wrote.
 */
@Command(
        name = "certs",
        mixinStandardHelpOptions = true,
        description = {
            "Creates the cluster CA and the certificates of nodes and clients, as PEM files in"
                    + " DIR: ca.crt and ca.key, node-ID.crt and .key, client-NAME.crt and .key."
                    + " Keys are EC P-256 in PKCS#8, readable by their owner only.",
            "Typical use: certs init, then certs node for each node (its ca.crt, node-ID.crt"
                    + " and node-ID.key go to that node), then certs client --name admin for"
                    + " admin operations."
        })
final class CertsCommand {
    private static final int DAYS_MAX = 36_500;

    @Spec CommandSpec spec;

    /** The options every subcommand has. */
    static final class Target {
        @Option(
                names = "--dir",
                required = true,
                paramLabel = "DIR",
                description = "The directory of the CA and the certificates.")
        Path directory;

        @Option(
                names = "--force",
                description = "Replace files that already exist instead of refusing.")
        boolean force;
    }

    @Command(
            name = "init",
            mixinStandardHelpOptions = true,
            description =
                    "Creates the cluster CA in DIR (made if missing): ca.crt, which every node"
                            + " and client trusts, and ca.key, which signs certificates (keep it"
                            + " secret, and off the nodes if you can). Refuses to replace an"
                            + " existing CA without --force: a new CA orphans every certificate"
                            + " the old one signed.")
    int init(
            @Mixin Target target,
            @Option(
                            names = "--days",
                            defaultValue = "3650",
                            description = "How long the CA is valid. Default: ${DEFAULT-VALUE}.")
                    int days)
            throws IOException {
        Duration validity = validity(days);
        CertificateAuthority ca =
                withCliErrors(
                        () ->
                                CertificateAuthority.create(
                                        target.directory, validity, target.force));
        Path directory = target.directory;
        wrote(directory.resolve(CertificateAuthority.CERTIFICATE_FILE), ca.certificate());
        wrote(directory.resolve(CertificateAuthority.KEY_FILE));
        return 0;
    }

    @Command(
            name = "node",
            mixinStandardHelpOptions = true,
            description =
                    "Issues node-ID.crt and node-ID.key, signed by the CA in DIR: the identity"
                            + " of node ID, for its server and for its connections to peers.")
    int node(
            @Mixin Target target,
            @Option(names = "--id", required = true, description = "The node's id, 1 or more.")
                    int id,
            @Option(
                            names = "--host",
                            required = true,
                            split = ",",
                            paramLabel = "HOST",
                            description =
                                    "Names and IP addresses the node is reached at (comma"
                                            + " separated, or the option repeated); localhost"
                                            + " and 127.0.0.1 are always added. raftkv does not"
                                            + " check them, other TLS tools do.")
                    List<String> hosts,
            @Option(
                            names = "--days",
                            defaultValue = "365",
                            description =
                                    "How long the certificate is valid (at most as long as the"
                                            + " CA). Default: ${DEFAULT-VALUE}.")
                    int days)
            throws IOException {
        if (id < 1) {
            throw new ParameterException(spec.commandLine(), "node ids start at 1, got " + id);
        }
        Duration validity = validity(days);
        CertificateAuthority ca = CertificateAuthority.load(target.directory);
        return issued(
                withCliErrors(() -> ca.issueNode(NodeId.of(id), hosts, validity, target.force)));
    }

    @Command(
            name = "client",
            mixinStandardHelpOptions = true,
            description =
                    "Issues client-NAME.crt and client-NAME.key, signed by the CA in DIR: a"
                            + " client certificate, which admin operations need when TLS is on.")
    int client(
            @Mixin Target target,
            @Option(
                            names = "--name",
                            required = true,
                            description =
                                    "The client's name: 1-64 letters, digits, '.', '_' or '-'.")
                    String name,
            @Option(
                            names = "--days",
                            defaultValue = "365",
                            description =
                                    "How long the certificate is valid (at most as long as the"
                                            + " CA). Default: ${DEFAULT-VALUE}.")
                    int days)
            throws IOException {
        Duration validity = validity(days);
        CertificateAuthority ca = CertificateAuthority.load(target.directory);
        return issued(withCliErrors(() -> ca.issueClient(name, validity, target.force)));
    }

    @Command(
            name = "cluster",
            mixinStandardHelpOptions = true,
            description =
                    "Makes what DIR lacks for a whole cluster: the CA, a certificate for each"
                            + " --node and each --client. What exists is kept, so running it again"
                            + " changes nothing: for init containers (docker-compose) and scripts.")
    int cluster(
            @Option(
                            names = "--dir",
                            required = true,
                            paramLabel = "DIR",
                            description = "The directory of the CA and the certificates.")
                    Path directory,
            @Option(
                            names = "--node",
                            paramLabel = "ID=HOST[,HOST...]",
                            description =
                                    "A node and the names it is reached at; repeat for each"
                                            + " node.")
                    List<String> nodes,
            @Option(
                            names = "--client",
                            paramLabel = "NAME",
                            description = "A client certificate to make; repeat for more.")
                    List<String> clients,
            @Option(
                            names = "--days",
                            defaultValue = "3650",
                            description =
                                    "How long the CA and certificates are valid. Default:"
                                            + " ${DEFAULT-VALUE}.")
                    int days)
            throws IOException {
        Duration validity = validity(days);
        CertificateAuthority ca;
        if (Files.exists(directory.resolve(CertificateAuthority.CERTIFICATE_FILE))) {
            ca = CertificateAuthority.load(directory);
        } else {
            ca = withCliErrors(() -> CertificateAuthority.create(directory, validity, false));
            wrote(directory.resolve(CertificateAuthority.CERTIFICATE_FILE), ca.certificate());
        }
        for (String node : nodes == null ? List.<String>of() : nodes) {
            String[] idAndHosts = node.split("=", 2);
            if (idAndHosts.length != 2 || !idAndHosts[0].matches("[1-9][0-9]{0,8}")) {
                throw new ParameterException(
                        spec.commandLine(), "--node is ID=HOST[,HOST...], got '" + node + "'");
            }
            NodeId id = NodeId.of(Integer.parseInt(idAndHosts[0]));
            List<String> hosts = List.of(idAndHosts[1].split(","));
            keepOrIssue(() -> ca.issueNode(id, hosts, validity, false));
        }
        for (String client : clients == null ? List.<String>of() : clients) {
            keepOrIssue(() -> ca.issueClient(client, validity, false));
        }
        return 0;
    }

    /** Issues a certificate unless its files exist; says which. */
    private void keepOrIssue(Writing<TlsFiles> issue) throws IOException {
        try {
            issued(withCliErrors(issue));
        } catch (FileAlreadyExistsException exists) {
            spec.commandLine().getOut().printf("kept %s%n", exists.getFile());
        }
    }

    /** A step that writes files; its IllegalArgumentExceptions are about the arguments. */
    @FunctionalInterface
    private interface Writing<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code writing}, turning a bad argument into a usage error and an existing file into an
     * error that names --force.
     */
    private <T> T withCliErrors(Writing<T> writing) throws IOException {
        try {
            return writing.run();
        } catch (IllegalArgumentException bad) {
            throw new ParameterException(spec.commandLine(), bad.getMessage());
        } catch (FileAlreadyExistsException exists) {
            throw new FileAlreadyExistsException(
                    exists.getFile(), null, "already exists; --force replaces it");
        }
    }

    private Duration validity(int days) {
        if (days < 1 || days > DAYS_MAX) {
            throw new ParameterException(
                    spec.commandLine(), "--days must be 1-" + DAYS_MAX + ", got " + days);
        }
        return Duration.ofDays(days);
    }

    private int issued(TlsFiles files) throws IOException {
        wrote(files.cert(), readCertificate(files.cert()));
        wrote(files.key());
        return 0;
    }

    private void wrote(Path file) {
        spec.commandLine().getOut().printf("wrote %s%n", file);
    }

    private void wrote(Path file, X509Certificate certificate) {
        spec.commandLine()
                .getOut()
                .printf(
                        "wrote %s (%s, valid until %s)%n",
                        file,
                        certificate.getSubjectX500Principal().getName(),
                        certificate
                                .getNotAfter()
                                .toInstant()
                                .atOffset(ZoneOffset.UTC)
                                .toLocalDate());
    }

    private static X509Certificate readCertificate(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (CertificateException e) {
            throw new IOException("cannot read back " + file + ": " + e.getMessage(), e);
        }
    }
}
