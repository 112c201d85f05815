package io.raftkv.shardkv.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.raftkv.shardkv.demo.DemoCluster;
import io.raftkv.shardkv.server.NodeSnapshot;
import io.raftkv.shardkv.server.ShardKvNode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A live node's HTTP endpoint: metrics, JSON status, the HTML page, and bad requests. */
class HttpStatusServerTest {
    private static DemoCluster cluster;
    private static HttpStatusServer server;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        cluster = new DemoCluster(3, 2, null, 0);
        ShardKvNode node = cluster.node(1);
        Supplier<NodeSnapshot> snapshots = node::snapshot;
        server = HttpStatusServer.start(new InetSocketAddress("127.0.0.1", 0), snapshots);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (node.snapshot().replicas().size() < 2 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        cluster.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsAreInPrometheusFormatWithPerGroupGauges() throws Exception {
        HttpResponse<String> response = get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains(
                        "raftkv_proposals_total",
                        "raftkv_wal_fsync_seconds_count",
                        "raftkv_frames_sent_total",
                        "raftkv_raft_commit_index{group=\"0\"}",
                        "raftkv_raft_leader{group=\"100\"}",
                        "raftkv_shards{group=\"100\",status=\"serving\"}");
    }

    @Test
    void statusIsJsonNamingTheNodeItsReplicasAndTheConfig() throws Exception {
        HttpResponse<String> response = get("/status");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        assertThat(response.body())
                .startsWith("{\"node\":1,\"config\":{\"number\":1,")
                .contains("\"group\":0,\"role\":", "\"group\":100,", "\"shards\":{");
    }

    @Test
    void thePageShowsTheShardMap() throws Exception {
        HttpResponse<String> response = get("/");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("<h1>raftkv node 1</h1>", "Shard config 1", "<td>100</td>");
    }

    @Test
    void unknownPathsAndOtherMethodsAreRefused() throws Exception {
        assertThat(get("/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> post =
                http.send(
                        HttpRequest.newBuilder(
                                        URI.create(
                                                "http://127.0.0.1:"
                                                        + server.address().getPort()
                                                        + "/metrics"))
                                .POST(HttpRequest.BodyPublishers.ofString("x"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }
}
