package io.raftkv.common.net.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.raftkv.common.NodeId;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The subject convention: what is written reads back, and nothing else passes for an identity. */
class SubjectsTest {
    private static X509Certificate withSubject(X500Name subject) throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("EC").generateKeyPair();
        Instant now = Instant.now();
        return new JcaX509CertificateConverter()
                .getCertificate(
                        new JcaX509v3CertificateBuilder(
                                        subject,
                                        BigInteger.ONE,
                                        Date.from(now),
                                        Date.from(now.plusSeconds(60)),
                                        subject,
                                        pair.getPublic())
                                .build(
                                        new JcaContentSignerBuilder("SHA256withECDSA")
                                                .build(pair.getPrivate())));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, Integer.MAX_VALUE})
    void aNodeSubjectReadsBackAsTheNode(int id) throws Exception {
        PeerIdentity node = new PeerIdentity.Node(NodeId.of(id));
        assertThat(Subjects.identify(withSubject(Subjects.of(node)))).isEqualTo(node);
    }

    @ParameterizedTest
    @ValueSource(strings = {"admin", "ops.team-1", "node-1"})
    void aClientSubjectReadsBackAsTheClient(String name) throws Exception {
        PeerIdentity client = new PeerIdentity.Client(name);
        assertThat(Subjects.identify(withSubject(Subjects.of(client)))).isEqualTo(client);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "CN=node-01, O=raftkv, OU=node",
                "CN=node-0, O=raftkv, OU=node",
                "CN=node-2147483648, O=raftkv, OU=node",
                "CN=node-x, O=raftkv, OU=node",
                "CN=node-1, O=other, OU=node",
                "CN=admin, O=raftkv, OU=admin",
                "CN=admin, O=raftkv",
                "CN=admin, O=raftkv, OU=client, OU=node",
                "CN=raftkv CA, O=raftkv",
                "CN=a/b, O=raftkv, OU=client"
            })
    void anythingElseIsNotAnIdentity(String subject) throws Exception {
        X509Certificate certificate = withSubject(new X500Name(subject));
        assertThatThrownBy(() -> Subjects.identify(certificate))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
