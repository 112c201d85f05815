package io.raftkv.common.net.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of one identity: one key and its certificate chain, chosen for every handshake,
 * as a server and as a client.
 *
 * <p>As a client it presents its certificate even when the server's list of acceptable issuers does
 * not name its CA. The JDK's and Netty's key managers would present nothing then, and a client with
 * a certificate from the wrong CA would connect as {@code Anonymous} and fail later, somewhere
 * else; this way its handshake fails, loudly.
 *
 * <p>NB: it holds the key itself rather than in a PKCS#12 key store, as {@code KeyManagerFactory}
 * and Netty's {@code forServer(key, chain)} do: storing a key there runs PBKDF2 with 10,000 rounds,
 * which took seconds per context in a JVM starting on a busy machine.
 */
final class SingleKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "raftkv";

    private final PrivateKey key;
    private final X509Certificate[] chain;

    SingleKeyManager(PrivateKey key, X509Certificate[] chain) {
        this.key = key;
        this.chain = chain.clone();
    }

    @Override
    public String chooseEngineClientAlias(
            String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }
}
