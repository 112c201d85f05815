package io.raftkv.common.net.tls;

import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The contents of a {@link TlsFiles}, loaded and checked together: the key belongs to the first
 * certificate of the chain, the chain leads to one of the CA certificates and is valid now, and the
 * certificate names a raftkv identity. Checking at load time turns a misconfigured node into a
 * clear startup error instead of handshakes that fail later on other machines.
 */
record TlsMaterial(
        PrivateKey key,
        List<X509Certificate> chain,
        List<X509Certificate> authorities,
        PeerIdentity identity) {

    static TlsMaterial load(TlsFiles files) {
        List<X509Certificate> authorities = Pem.readCertificates(files.ca());
        List<X509Certificate> chain = Pem.readCertificates(files.cert());
        PrivateKey key = Pem.readPrivateKey(files.key(), chain.getFirst());
        requireIssuedBy(chain, authorities, files);
        return new TlsMaterial(key, chain, authorities, Subjects.identify(chain.getFirst()));
    }

    X509Certificate[] chainArray() {
        return chain.toArray(X509Certificate[]::new);
    }

    /** PKIX validation of {@code chain} against {@code authorities}, without revocation checks. */
    private static void requireIssuedBy(
            List<X509Certificate> chain, List<X509Certificate> authorities, TlsFiles files) {
        Set<TrustAnchor> anchors =
                authorities.stream()
                        .map(authority -> new TrustAnchor(authority, null))
                        .collect(Collectors.toSet());
        try {
            PKIXParameters parameters = new PKIXParameters(anchors);
            parameters.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX")
                    .validate(
                            CertificateFactory.getInstance("X.509").generateCertPath(chain),
                            parameters);
        } catch (CertPathValidatorException e) {
            throw new IllegalArgumentException(
                    String.format(
                            "the certificate in %s is not valid under the CA in %s: %s",
                            files.cert(), files.ca(), e.getMessage()),
                    e);
        } catch (CertificateException
                | InvalidAlgorithmParameterException
                | NoSuchAlgorithmException e) {
            throw new IllegalStateException("PKIX validation is unavailable", e);
        }
    }
}
