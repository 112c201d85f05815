package io.raftkv.common.net.tls;

import io.raftkv.common.Check;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * PEM files: certificates (one or a bundle), private keys (PKCS#8 as we write them, or the
 * traditional {@code EC/RSA PRIVATE KEY} that openssl and cfssl write; not encrypted). Reading
 * errors are {@link IllegalArgumentException}s naming the file, as the files come from the user.
 */
final class Pem {
    private static final Set<PosixFilePermission> KEY_PERMISSIONS =
            PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> CERTIFICATE_PERMISSIONS =
            PosixFilePermissions.fromString("rw-r--r--");

    private Pem() {}

    /** The certificates in {@code file}, in file order; at least one. */
    static List<X509Certificate> readCertificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                            .map(X509Certificate.class::cast)
                            .toList();
            Check.argument(!certificates.isEmpty(), "%s holds no certificate", file);
            return certificates;
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException(
                    "cannot read certificates from " + file + ": " + e.getMessage(), e);
        }
    }

    /** The private key in {@code file}, checked to be the key of {@code certificate}. */
    static PrivateKey readPrivateKey(Path file, X509Certificate certificate) {
        PrivateKey key = readPrivateKey(file);
        Check.argument(
                signs(key, certificate),
                "the key in %s does not belong to the certificate %s",
                file,
                certificate.getSubjectX500Principal());
        return key;
    }

    private static PrivateKey readPrivateKey(Path file) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(in)) {
            PrivateKeyInfo info =
                    switch (parser.readObject()) {
                        case PrivateKeyInfo pkcs8 -> pkcs8;
                        case PEMKeyPair traditional -> traditional.getPrivateKeyInfo();
                        case null, default ->
                                throw new IllegalArgumentException(
                                        file + " holds no unencrypted PEM private key");
                    };
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the private key in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code key} makes signatures that {@code certificate}'s public key verifies. */
    private static boolean signs(PrivateKey key, X509Certificate certificate) {
        String algorithm =
                switch (key.getAlgorithm()) {
                    case "EC" -> "SHA256withECDSA";
                    case "RSA" -> "SHA256withRSA";
                    default ->
                            throw new IllegalArgumentException(
                                    "unsupported key type " + key.getAlgorithm());
                };
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException mismatch) {
            return false;
        }
    }

    /**
     * Writes {@code key} as PKCS#8 PEM, readable by its owner only where POSIX permissions exist.
     */
    static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        try {
            write(file, encode(new JcaPKCS8Generator(key, null)), KEY_PERMISSIONS);
        } catch (PEMException e) {
            throw new IllegalStateException("cannot encode a " + key.getAlgorithm() + " key", e);
        }
    }

    static void writeCertificate(Path file, X509Certificate certificate) throws IOException {
        write(file, encode(certificate), CERTIFICATE_PERMISSIONS);
    }

    /**
     * Throws {@link FileAlreadyExistsException} if any of {@code files} exists: callers check all
     * the files they will write before writing the first, so a pair is never half replaced.
     */
    static void requireAbsent(Path... files) throws FileAlreadyExistsException {
        for (Path file : files) {
            if (Files.exists(file)) {
                throw new FileAlreadyExistsException(file.toString(), null, "already exists");
            }
        }
    }

    private static String encode(Object pemObject) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(pemObject);
        }
        return text.toString();
    }

    /**
     * Writes a temporary file (created owner-only) beside {@code file} and renames it over {@code
     * file}, so a reader never sees half a key and the key is never world-readable, not even
     * briefly.
     */
    private static void write(Path file, String text, Set<PosixFilePermission> permissions)
            throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Path temporary = Files.createTempFile(directory, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(temporary, text, StandardCharsets.US_ASCII);
            if (Files.getFileAttributeView(temporary, PosixFileAttributeView.class) != null) {
                Files.setPosixFilePermissions(temporary, permissions);
            }
            Files.move(
                    temporary,
                    file,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
