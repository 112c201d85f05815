package io.raftkv.common.net.tls;

import io.raftkv.common.NodeId;
import java.security.cert.X509Certificate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The subject-name convention of raftkv certificates, both ways: the CA writes subjects with {@link
 * #of}, handshakes read them back with {@link #identify}. Nodes are {@code CN=node-<id>, O=raftkv,
 * OU=node}, clients {@code CN=<name>, O=raftkv, OU=client}.
 */
final class Subjects {
    static final String ORGANIZATION = "raftkv";
    static final String NODE_UNIT = "node";
    static final String CLIENT_UNIT = "client";
    static final X500Name AUTHORITY = name("raftkv CA", null);
    private static final String NODE_PREFIX = "node-";
    private static final Pattern NODE_NAME = Pattern.compile("node-([1-9][0-9]{0,9})");

    private Subjects() {}

    /** The subject of a certificate for {@code identity}, which is not Anonymous. */
    static X500Name of(PeerIdentity identity) {
        return switch (identity) {
            case PeerIdentity.Node node -> name(NODE_PREFIX + node.id().value(), NODE_UNIT);
            case PeerIdentity.Client client -> name(client.name(), CLIENT_UNIT);
            case PeerIdentity.Anonymous anonymous ->
                    throw new IllegalArgumentException("an anonymous peer has no certificate");
        };
    }

    /**
     * The identity {@code certificate}'s subject names: Node or Client.
     *
     * @throws IllegalArgumentException if the subject does not follow the convention
     */
    static PeerIdentity identify(X509Certificate certificate) {
        X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        String commonName = single(subject, BCStyle.CN);
        String unit = single(subject, BCStyle.OU);
        if (!ORGANIZATION.equals(single(subject, BCStyle.O))) {
            throw notOurs(subject);
        }
        return switch (unit == null ? "" : unit) {
            case NODE_UNIT -> new PeerIdentity.Node(nodeId(commonName, subject));
            case CLIENT_UNIT -> new PeerIdentity.Client(commonName);
            default -> throw notOurs(subject);
        };
    }

    private static NodeId nodeId(String commonName, X500Name subject) {
        // NB: only the canonical spelling: "node-01" would be a second name for node 1.
        Matcher matcher = NODE_NAME.matcher(commonName == null ? "" : commonName);
        if (!matcher.matches() || Long.parseLong(matcher.group(1)) > Integer.MAX_VALUE) {
            throw notOurs(subject);
        }
        return NodeId.of(Integer.parseInt(matcher.group(1)));
    }

    /**
     * The value of the one {@code type} attribute of {@code subject}, or null if not exactly one.
     */
    private static String single(X500Name subject, ASN1ObjectIdentifier type) {
        RDN[] rdns = subject.getRDNs(type);
        if (rdns.length != 1
                || rdns[0].isMultiValued()
                || !(rdns[0].getFirst().getValue() instanceof ASN1String value)) {
            return null;
        }
        return value.getString();
    }

    private static X500Name name(String commonName, String unit) {
        X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE);
        builder.addRDN(BCStyle.O, ORGANIZATION);
        if (unit != null) {
            builder.addRDN(BCStyle.OU, unit);
        }
        return builder.addRDN(BCStyle.CN, commonName).build();
    }

    private static IllegalArgumentException notOurs(X500Name subject) {
        return new IllegalArgumentException(
                "certificate subject '"
                        + subject
                        + "' is neither 'CN=node-<id>, O=raftkv, OU=node' nor"
                        + " 'CN=<name>, O=raftkv, OU=client'");
    }
}
