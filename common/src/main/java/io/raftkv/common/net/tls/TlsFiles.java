package io.raftkv.common.net.tls;

import io.raftkv.common.Check;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The PEM files of one TLS identity: its certificate ({@code --tls-cert}), its private key ({@code
 * --tls-key}) and the cluster CA's certificate ({@code --tls-ca}). Constructing one checks that the
 * three are readable files; {@link #identity()} checks what is in them.
 */
public record TlsFiles(Path cert, Path key, Path ca) {
    /**
     * @throws IllegalArgumentException naming the file, if one does not exist or is not readable
     */
    public TlsFiles {
        requireReadable(cert, "certificate");
        requireReadable(key, "key");
        requireReadable(ca, "CA certificate");
    }

    /**
     * The identity the certificate carries, after checking the whole set: the certificate chains to
     * the CA and is valid now, the key is its key, its subject follows the convention. Reads the
     * files each time; a node checks at startup that this is {@code Node(its own id)}.
     *
     * @return a {@link PeerIdentity.Node} or {@link PeerIdentity.Client}
     * @throws IllegalArgumentException naming the file at fault, if any check fails
     */
    public PeerIdentity identity() {
        return TlsMaterial.load(this).identity();
    }

    /**
     * Returns {@code file} if it is a readable regular file, else throws naming it as {@code what}.
     */
    static Path requireReadable(Path file, String what) {
        Check.argument(file != null, "the TLS %s file is not set", what);
        Check.argument(
                Files.isRegularFile(file) && Files.isReadable(file),
                "TLS %s file %s does not exist or is not readable",
                what,
                file);
        return file;
    }
}
