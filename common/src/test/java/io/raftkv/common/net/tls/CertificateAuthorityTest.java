package io.raftkv.common.net.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.NodeId;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CA and the certificates it issues, read back as a TLS stack would read them. */
class CertificateAuthorityTest {
    private static final Duration YEAR = Duration.ofDays(365);
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int DNS_NAME = 2;
    private static final int IP_ADDRESS = 7;

    @TempDir Path directory;
    private CertificateAuthority ca;

    @BeforeEach
    void createCa() throws IOException {
        ca = CertificateAuthority.create(directory, Duration.ofDays(3650), false);
    }

    private static X509Certificate read(Path file) {
        return Pem.readCertificates(file).getFirst();
    }

    @Test
    void theCaIsASelfSignedCaCertificate() throws Exception {
        X509Certificate certificate = read(directory.resolve("ca.crt"));
        certificate.verify(certificate.getPublicKey());
        assertThat(certificate.getBasicConstraints()).isEqualTo(0);
        assertThat(certificate.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(certificate.getSubjectX500Principal().getName())
                .isEqualTo("CN=raftkv CA,O=raftkv");
        assertThat(certificate).isEqualTo(ca.certificate());
    }

    @Test
    void aNodeCertificateChainsToTheCaAndCarriesTheNodeAndItsHosts() throws Exception {
        TlsFiles files =
                ca.issueNode(NodeId.of(3), List.of("node3", "10.1.2.3", "::1"), YEAR, false);
        assertThat(files.cert()).isEqualTo(directory.resolve("node-3.crt"));
        assertThat(files.key()).isEqualTo(directory.resolve("node-3.key"));
        X509Certificate certificate = read(files.cert());
        certificate.verify(ca.certificate().getPublicKey());
        assertThat(certificate.getSubjectX500Principal().getName())
                .isEqualTo("CN=node-3,OU=node,O=raftkv");
        assertThat(certificate.getSubjectAlternativeNames())
                .containsExactly(
                        List.of(DNS_NAME, "node3"),
                        List.of(IP_ADDRESS, "10.1.2.3"),
                        List.of(IP_ADDRESS, "0:0:0:0:0:0:0:1"),
                        List.of(DNS_NAME, "localhost"),
                        List.of(IP_ADDRESS, "127.0.0.1"));
        assertThat(certificate.getExtendedKeyUsage()).containsExactly(SERVER_AUTH, CLIENT_AUTH);
        assertThat(certificate.getBasicConstraints()).isEqualTo(-1);
        assertThat(files.identity()).isEqualTo(new PeerIdentity.Node(NodeId.of(3)));
    }

    @Test
    void aClientCertificateNamesTheClientAndIsForClientsOnly() throws Exception {
        TlsFiles files = ca.issueClient("admin", YEAR, false);
        assertThat(files.cert()).isEqualTo(directory.resolve("client-admin.crt"));
        X509Certificate certificate = read(files.cert());
        certificate.verify(ca.certificate().getPublicKey());
        assertThat(certificate.getSubjectX500Principal().getName())
                .isEqualTo("CN=admin,OU=client,O=raftkv");
        assertThat(certificate.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(certificate.getSubjectAlternativeNames()).isNull();
        assertThat(files.identity()).isEqualTo(new PeerIdentity.Client("admin"));
    }

    @Test
    void keysArePkcs8AndReadableByTheOwnerOnly() throws Exception {
        TlsFiles files = ca.issueClient("admin", YEAR, false);
        for (Path key : List.of(files.key(), directory.resolve("ca.key"))) {
            assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                        .isEqualTo("rw-------");
            }
        }
        try (var names = Files.list(directory)) {
            assertThat(names.map(path -> path.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "ca.crt", "ca.key", "client-admin.crt", "client-admin.key");
        }
    }

    @Test
    void aCertificateEndsNoLaterThanItsCa() throws Exception {
        TlsFiles files = ca.issueClient("admin", Duration.ofDays(5000), false);
        assertThat(read(files.cert()).getNotAfter()).isEqualTo(ca.certificate().getNotAfter());
    }

    @Test
    void aLoadedCaIssuesCertificatesTheOriginalVerifies() throws Exception {
        CertificateAuthority loaded = CertificateAuthority.load(directory);
        TlsFiles files = loaded.issueNode(NodeId.of(1), List.of("localhost"), YEAR, false);
        read(files.cert()).verify(ca.certificate().getPublicKey());
    }

    @Test
    void nothingIsOverwrittenUnlessAsked() throws Exception {
        assertThatThrownBy(() -> CertificateAuthority.create(directory, YEAR, false))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("ca.crt");
        ca.issueClient("admin", YEAR, false);
        assertThatThrownBy(() -> ca.issueClient("admin", YEAR, false))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("client-admin.crt");
        ca.issueClient("admin", YEAR, true);
        CertificateAuthority replaced = CertificateAuthority.create(directory, YEAR, true);
        assertThat(replaced.certificate()).isNotEqualTo(ca.certificate());
    }

    @Test
    void aDirectoryWithoutACaIsAClearError(@TempDir Path empty) {
        assertThatThrownBy(() -> CertificateAuthority.load(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no CA in %s: %s does not exist", empty, empty.resolve("ca.crt"));
    }

    @Test
    void badHostsNamesAndLifetimesAreRefused() {
        assertThatThrownBy(() -> ca.issueNode(NodeId.of(1), List.of("a host"), YEAR, false))
                .hasMessage("not a host name or IP address: 'a host'");
        assertThatThrownBy(() -> ca.issueClient("../etc", YEAR, false))
                .hasMessageStartingWith("a client name is 1-64 letters");
        assertThatThrownBy(() -> ca.issueClient("admin", Duration.ZERO, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void filesFromAnotherCaOrAMismatchedKeyAreRefusedByName(@TempDir Path other) throws Exception {
        TlsFiles foreign =
                CertificateAuthority.create(other, YEAR, false).issueClient("mallory", YEAR, false);
        TlsFiles node1 = ca.issueNode(NodeId.of(1), List.of(), YEAR, false);
        TlsFiles node2 = ca.issueNode(NodeId.of(2), List.of(), YEAR, false);
        assertThatThrownBy(() -> new TlsFiles(foreign.cert(), foreign.key(), node1.ca()).identity())
                .hasMessageContaining("is not valid under the CA in " + node1.ca());
        assertThatThrownBy(() -> new TlsFiles(node1.cert(), node2.key(), node1.ca()).identity())
                .hasMessageStartingWith("the key in " + node2.key() + " does not belong");
    }

    @Test
    void tlsFilesNameTheFileThatIsMissing() {
        Path missing = directory.resolve("node-9.key");
        assertThatThrownBy(
                        () ->
                                new TlsFiles(
                                        directory.resolve("ca.crt"),
                                        missing,
                                        directory.resolve("ca.crt")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TLS key file %s does not exist or is not readable", missing);
    }

    @Test
    void aNodeServesOnlyWithANodeCertificate() throws Exception {
        TlsFiles admin = ca.issueClient("admin", YEAR, false);
        assertThatThrownBy(() -> TlsContexts.server(admin))
                .hasMessage(
                        "a node serves with a node certificate; %s is Client[name=admin]",
                        admin.cert());
    }
}
