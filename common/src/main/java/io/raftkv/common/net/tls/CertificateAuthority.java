package io.raftkv.common.net.tls;

import io.raftkv.common.Check;
import io.raftkv.common.NodeId;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedSet;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * A cluster's certificate authority in a directory: {@code ca.crt} and {@code ca.key}, and the
 * certificates it issues beside them, {@code node-<id>.crt/.key} and {@code
 * client-<name>.crt/.key}. What {@code raftkv certs} runs; tests and the demo call it directly.
 *
 * <p>Keys are EC P-256, written as PKCS#8 PEM with mode 0600 where the file system has POSIX
 * permissions; certificates are signed with SHA256withECDSA. Node certificates are for TLS servers
 * and clients (a node dials its peers), with the given hosts plus localhost and 127.0.0.1 as
 * subject alternative names; client certificates are for TLS clients only. Nothing is overwritten
 * unless the caller says {@code replace}; files are written whole (temporary file, then rename).
 * Not thread safe: one caller at a time per directory.
 */
public final class CertificateAuthority {
    public static final String CERTIFICATE_FILE = "ca.crt";
    public static final String KEY_FILE = "ca.key";

    /** Certificates start this much in the past, for machines whose clocks lag the CA's. */
    private static final Duration CLOCK_SKEW = Duration.ofHours(1);

    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final List<String> ALWAYS_HOSTS = List.of("localhost", "127.0.0.1");

    /** One label of a host name; '_' is allowed for Docker service names. */
    private static final String LABEL = "[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?";

    private static final Pattern HOST_NAME = Pattern.compile(LABEL + "(\\." + LABEL + ")*");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path directory;
    private final X509Certificate certificate;
    private final PrivateKey key;

    private CertificateAuthority(Path directory, X509Certificate certificate, PrivateKey key) {
        this.directory = directory;
        this.certificate = certificate;
        this.key = key;
    }

    /**
     * Makes a new CA in {@code directory} (created if missing), valid for {@code validity}.
     *
     * @throws java.nio.file.FileAlreadyExistsException if {@code ca.crt} or {@code ca.key} exists
     *     and not {@code replace}: a new CA orphans every certificate the old one signed
     */
    public static CertificateAuthority create(Path directory, Duration validity, boolean replace)
            throws IOException {
        requirePositive(validity);
        Path certificateFile = directory.resolve(CERTIFICATE_FILE);
        Path keyFile = directory.resolve(KEY_FILE);
        Files.createDirectories(directory);
        if (!replace) {
            Pem.requireAbsent(certificateFile, keyFile);
        }
        KeyPair pair = newKeyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder builder =
                new JcaX509v3CertificateBuilder(
                        Subjects.AUTHORITY,
                        serialNumber(),
                        Date.from(now.minus(CLOCK_SKEW)),
                        Date.from(now.plus(validity)),
                        Subjects.AUTHORITY,
                        pair.getPublic());
        JcaX509ExtensionUtils extensions = extensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(
                        Extension.keyUsage,
                        true,
                        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(
                        Extension.subjectKeyIdentifier,
                        false,
                        extensions.createSubjectKeyIdentifier(pair.getPublic()));
        X509Certificate certificate = sign(builder, pair.getPrivate());
        Pem.writePrivateKey(keyFile, pair.getPrivate());
        Pem.writeCertificate(certificateFile, certificate);
        return new CertificateAuthority(directory, certificate, pair.getPrivate());
    }

    /**
     * The CA in {@code directory}.
     *
     * @throws IllegalArgumentException if there is none, or its key is not its certificate's
     */
    public static CertificateAuthority load(Path directory) {
        Path certificateFile = directory.resolve(CERTIFICATE_FILE);
        Check.argument(
                Files.isRegularFile(certificateFile),
                "no CA in %s: %s does not exist",
                directory,
                certificateFile);
        X509Certificate certificate = Pem.readCertificates(certificateFile).getFirst();
        Path keyFile = TlsFiles.requireReadable(directory.resolve(KEY_FILE), "CA key");
        return new CertificateAuthority(
                directory, certificate, Pem.readPrivateKey(keyFile, certificate));
    }

    /** The directory holding the CA and the certificates it issues. */
    public Path directory() {
        return directory;
    }

    /** The CA's own (self-signed) certificate. */
    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * Issues {@code node-<id>.crt} and {@code .key} for node {@code id}, reachable at {@code hosts}
     * (names become DNS SANs, IPv4 and IPv6 addresses IP SANs; localhost and 127.0.0.1 are added).
     *
     * @throws IllegalArgumentException if a host is neither a name nor an address
     * @throws java.nio.file.FileAlreadyExistsException if a file exists and not {@code replace}
     */
    public TlsFiles issueNode(NodeId id, List<String> hosts, Duration validity, boolean replace)
            throws IOException {
        GeneralNames names = alternativeNames(hosts);
        return issue(
                new PeerIdentity.Node(id),
                validity,
                replace,
                builder ->
                        builder.addExtension(Extension.subjectAlternativeName, false, names)
                                .addExtension(
                                        Extension.extendedKeyUsage,
                                        false,
                                        new ExtendedKeyUsage(
                                                new KeyPurposeId[] {
                                                    KeyPurposeId.id_kp_serverAuth,
                                                    KeyPurposeId.id_kp_clientAuth
                                                })));
    }

    /**
     * Issues {@code client-<name>.crt} and {@code .key} for a client (see {@link
     * PeerIdentity.Client} for what a name may be).
     *
     * @throws IllegalArgumentException if the name is not valid
     * @throws java.nio.file.FileAlreadyExistsException if a file exists and not {@code replace}
     */
    public TlsFiles issueClient(String name, Duration validity, boolean replace)
            throws IOException {
        return issue(
                new PeerIdentity.Client(name),
                validity,
                replace,
                builder ->
                        builder.addExtension(
                                Extension.extendedKeyUsage,
                                false,
                                new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)));
    }

    /** Adds the extensions particular to one kind of certificate. */
    @FunctionalInterface
    private interface Extensions {
        void addTo(X509v3CertificateBuilder builder) throws IOException;
    }

    private TlsFiles issue(
            PeerIdentity identity, Duration validity, boolean replace, Extensions particular)
            throws IOException {
        requirePositive(validity);
        Instant now = Instant.now();
        // As cockroach cert does: a certificate cannot outlast the CA that vouches for it.
        Instant notAfter = earlier(now.plus(validity), certificate.getNotAfter().toInstant());
        String stem = fileStem(identity);
        Path certificateFile = directory.resolve(stem + ".crt");
        Path keyFile = directory.resolve(stem + ".key");
        if (!replace) {
            Pem.requireAbsent(certificateFile, keyFile);
        }
        KeyPair pair = newKeyPair();
        X509v3CertificateBuilder builder =
                new JcaX509v3CertificateBuilder(
                        certificate,
                        serialNumber(),
                        Date.from(now.minus(CLOCK_SKEW)),
                        Date.from(notAfter),
                        Subjects.of(identity),
                        pair.getPublic());
        addLeafExtensions(builder, pair);
        particular.addTo(builder);
        Pem.writePrivateKey(keyFile, pair.getPrivate());
        Pem.writeCertificate(certificateFile, sign(builder, key));
        return new TlsFiles(certificateFile, keyFile, directory.resolve(CERTIFICATE_FILE));
    }

    private void addLeafExtensions(X509v3CertificateBuilder builder, KeyPair pair)
            throws IOException {
        JcaX509ExtensionUtils extensions = extensionUtils();
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            extensions.createSubjectKeyIdentifier(pair.getPublic()))
                    .addExtension(
                            Extension.authorityKeyIdentifier,
                            false,
                            extensions.createAuthorityKeyIdentifier(certificate));
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the CA certificate", e);
        }
    }

    private static Instant earlier(Instant one, Instant other) {
        return one.isBefore(other) ? one : other;
    }

    private static String fileStem(PeerIdentity identity) {
        return switch (identity) {
            case PeerIdentity.Node node -> "node-" + node.id().value();
            case PeerIdentity.Client client -> "client-" + client.name();
            case PeerIdentity.Anonymous anonymous ->
                    throw new IllegalArgumentException("an anonymous peer has no certificate");
        };
    }

    private static GeneralNames alternativeNames(List<String> hosts) {
        SequencedSet<String> all = new LinkedHashSet<>(hosts);
        all.addAll(ALWAYS_HOSTS);
        return new GeneralNames(
                all.stream().map(CertificateAuthority::generalName).toArray(GeneralName[]::new));
    }

    private static GeneralName generalName(String host) {
        if (IPAddress.isValid(host)) {
            return new GeneralName(GeneralName.iPAddress, host);
        }
        Check.argument(
                HOST_NAME.matcher(host).matches(), "not a host name or IP address: '%s'", host);
        return new GeneralName(GeneralName.dNSName, host);
    }

    private static void requirePositive(Duration validity) {
        Check.argument(
                validity.isPositive(), "a certificate must be valid for a while, got %s", validity);
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make EC P-256 keys", e);
        }
    }

    /** A random positive 127-bit serial number (RFC 5280 allows up to 20 bytes). */
    private static BigInteger serialNumber() {
        return new BigInteger(127, RANDOM).setBit(126);
    }

    private static JcaX509ExtensionUtils extensionUtils() {
        try {
            return new JcaX509ExtensionUtils();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no SHA-1 for key identifiers", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(
                            builder.build(
                                    new JcaContentSignerBuilder(SIGNATURE_ALGORITHM)
                                            .build(signer)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a certificate", e);
        }
    }
}
