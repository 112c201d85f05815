package io.raftkv.common.net.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts what the JDK's PKIX trust manager trusts with the cluster CA as the only anchor (chain,
 * dates, key usage and extended key usage), and then only raftkv identities: a server must present
 * a node certificate, a client a node or client certificate. Host names are not checked here (see
 * {@link TlsContexts}).
 */
final class ClusterTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager pkix;

    ClusterTrustManager(List<X509Certificate> authorities) {
        this.pkix = pkixTrusting(authorities);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
        identify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, socket);
        identify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, engine);
        identify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        requireNode(identify(chain));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
        requireNode(identify(chain));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
        requireNode(identify(chain));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }

    private static PeerIdentity identify(X509Certificate[] chain) throws CertificateException {
        try {
            return Subjects.identify(chain[0]);
        } catch (IllegalArgumentException notOurs) {
            throw new CertificateException(notOurs.getMessage(), notOurs);
        }
    }

    private static void requireNode(PeerIdentity server) throws CertificateException {
        if (!(server instanceof PeerIdentity.Node)) {
            throw new CertificateException(
                    "the server presented " + server + ", not a node certificate");
        }
    }

    private static X509ExtendedTrustManager pkixTrusting(List<X509Certificate> authorities) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("ca-" + i, authorities.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            TrustManager[] managers = factory.getTrustManagers();
            return Arrays.stream(managers)
                    .filter(X509ExtendedTrustManager.class::isInstance)
                    .map(X509ExtendedTrustManager.class::cast)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no X.509 trust manager"));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager for the CA", e);
        }
    }
}
