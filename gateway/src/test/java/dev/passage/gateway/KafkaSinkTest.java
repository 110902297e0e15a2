package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.audit.kafka.KafkaTail;
import dev.passage.gateway.cli.PassageCommand;
import dev.passage.gateway.support.KafkaBroker;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The Kafka sink against a real broker in this JVM: every exchange through the gateway becomes one
 * Kafka record, keyed by route, with its id and schema version in headers; {@code passage audit tail
 * --kafka} reads them back with the file form's filters.
 */
class KafkaSinkTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final java.net.http.HttpClient SCRAPER = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  static KafkaBroker kafka;
  static RecordingUpstream upstream;
  static int deadPort;

  @BeforeAll
  static void start() throws Exception {
    kafka = KafkaBroker.start();
    upstream = RecordingUpstream.start();
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      deadPort = s.getLocalPort(); // closed again: connecting to it is refused
    }
  }

  @AfterAll
  static void stop() throws Exception {
    upstream.close();
    kafka.close();
  }

  static RunningGateway gateway(String topic) throws Exception {
    return RunningGateway.start("""
        listen: 127.0.0.1:0
        admin: { listen: 127.0.0.1:0 }
        audit:
          flush_interval: 100ms
          sinks:
            - type: kafka
              bootstrap_servers: "${KAFKA}"
              topic: ${TOPIC}
        routes:
          - name: orders
            match: { path_prefix: /orders }
            upstream: { targets: ["${UP}"] }
          - name: users
            match: { path_prefix: /users }
            upstream: { targets: ["${UP}"] }
          - name: down
            match: { path_prefix: /down }
            upstream: { targets: ["http://127.0.0.1:${DEAD}"] }
        """, Map.of("KAFKA", kafka.bootstrap(), "TOPIC", topic, "UP", upstream.url(), "DEAD", String.valueOf(deadPort)));
  }

  static int send(RunningGateway gw, String path, String requestId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url(path))).timeout(Duration.ofSeconds(20));
    if (requestId != null) {
      b.header("X-Request-Id", requestId);
    }
    return gw.client.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void everyExchangeBecomesOneRecordKeyedByRouteWithItsIdAndSchemaVersionInHeaders() throws Exception {
    kafka.createTopic("produced", 3);
    int n = 40;
    List<String> sent = new ArrayList<>();
    Map<String, List<String>> sentByRoute = new LinkedHashMap<>();
    try (RunningGateway gw = gateway("produced")) {
      for (int i = 0; i < n; i++) {
        String route = i % 2 == 0 ? "orders" : "users";
        String id = "produce-" + i;
        assertEquals(200, send(gw, "/" + route + "/" + i, id));
        sent.add(id);
        sentByRoute.computeIfAbsent(route, r -> new ArrayList<>()).add(id);
      }
      assertEquals(404, send(gw, "/nowhere", "produce-unrouted"));
      sent.add("produce-unrouted");

      List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("produced", n + 1, Duration.ofSeconds(30));
      assertEquals(n + 1, records.size(), "one record per exchange, no more, no fewer");
      Map<String, List<String>> receivedByRoute = new HashMap<>();
      Map<String, Set<Integer>> partitionsByRoute = new HashMap<>();
      List<String> received = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        String value = new String(r.value(), StandardCharsets.UTF_8);
        assertTrue(value.startsWith("{") && value.endsWith("}"), "the value is exactly one JSON object: " + value);
        JsonNode json = JSON.readTree(value);
        received.add(json.get("request_id").asText());
        assertEquals(json.get("id").asText(), KafkaBroker.header(r, "passage-record-id"));
        assertEquals("1", KafkaBroker.header(r, "passage-schema-version"));
        if (json.get("route").isNull()) {
          assertNull(r.key(), "an unrouted record has no key");
          continue;
        }
        String route = json.get("route").asText();
        assertArrayEquals(route.getBytes(StandardCharsets.UTF_8), r.key(), "key = route");
        receivedByRoute.computeIfAbsent(route, x -> new ArrayList<>()).add(json.get("request_id").asText());
        partitionsByRoute.computeIfAbsent(route, x -> new java.util.HashSet<>()).add(r.partition());
      }
      assertEquals(Set.copyOf(sent), Set.copyOf(received));
      for (String route : sentByRoute.keySet()) {
        assertEquals(1, partitionsByRoute.get(route).size(), route + "'s records share one partition");
        assertEquals(sentByRoute.get(route), receivedByRoute.get(route), route + "'s records keep their order");
      }

      String metrics = awaitMetric(gw, "passage_audit_records_written_total", n + 1);
      assertEquals(0, metric(metrics, "passage_audit_kafka_unacknowledged_records"));
      assertEquals(0, metric(metrics, "passage_audit_kafka_send_failures_total"));
      assertEquals(0, metric(metrics, "passage_audit_sink_errors_total"));
    }
  }

  @Test
  void auditTailReadsTheTopicBackWithTheFileFormsFiltersAndFollowsIt() throws Exception {
    kafka.createTopic("tail", 2);
    try (RunningGateway gw = gateway("tail")) {
      for (int i = 0; i < 3; i++) {
        assertEquals(200, send(gw, "/orders/ok-" + i, null));
      }
      for (int i = 0; i < 2; i++) {
        assertEquals(502, send(gw, "/down/fail-" + i, null));
      }
      assertEquals(5, kafka.readAll("tail", 5, Duration.ofSeconds(30)).size());

      Tail failures = tail("audit", "tail", "--kafka", kafka.bootstrap(), "--topic", "tail", "--status", "5xx");
      assertEquals(0, failures.code, failures.out);
      List<String> failed = lines(failures.out, " GET /");
      assertEquals(2, failed.size(), failures.out);
      assertTrue(failed.stream().allMatch(l -> l.contains(" down GET /down/fail-") && l.contains("-> 502 upstream_error")),
          failures.out);

      Tail orders = tail("audit", "tail", "--kafka", kafka.bootstrap(), "--topic", "tail", "--route", "orders");
      assertEquals(0, orders.code, orders.out);
      assertEquals(3, lines(orders.out, " orders GET /orders/ok-").size(), orders.out);

      Tail missing = tail("audit", "tail", "--kafka", kafka.bootstrap(), "--topic", "no-such-topic");
      assertEquals(1, missing.code, missing.out);
      assertTrue(missing.out.contains("no topic no-such-topic"), missing.out);

      // --follow: prints what is there, then what arrives, until interrupted.
      ByteArrayOutputStream followed = new ByteArrayOutputStream();
      PrintStream followOut = new PrintStream(followed, true, StandardCharsets.UTF_8);
      int[] code = {-1};
      Thread follower = new Thread(() -> code[0] = KafkaTail.run(kafka.bootstrap(), "tail", "orders", null, true,
          Map.of(), followOut), "tail-follower");
      follower.start();
      awaitLines(followed, " orders GET /orders/", 3);
      assertEquals(200, send(gw, "/orders/later", null));
      awaitLines(followed, " orders GET /orders/later", 1);
      follower.interrupt();
      follower.join(10_000);
      assertEquals(0, code[0], followed.toString(StandardCharsets.UTF_8));
    }
  }

  record Tail(int code, String out) {}

  static Tail tail(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      int code = new CommandLine(new PassageCommand()).execute(args);
      return new Tail(code, out.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(old);
    }
  }

  static List<String> lines(String out, String containing) {
    return out.lines().filter(l -> l.contains(containing)).collect(Collectors.toList());
  }

  static void awaitLines(ByteArrayOutputStream out, String containing, int n) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (lines(out.toString(StandardCharsets.UTF_8), containing).size() < n) {
      assertTrue(System.currentTimeMillis() < deadline, "waited for " + n + " lines with '" + containing + "' in\n" + out);
      Thread.sleep(50);
    }
  }

  /**
   * A scrape of the gateway's /metrics over HTTP/1.1 with a timeout. (The JDK client's default
   * HTTP/2 upgrade on the admin port once left a scrape unanswered for a minute in a full run; an
   * HTTP/1.1 request with a bound fails fast instead, and is tried once more.)
   */
  static String metrics(RunningGateway gw) throws Exception {
    HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build();
    try {
      return SCRAPER.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
    } catch (java.net.http.HttpTimeoutException e) {
      return SCRAPER.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
    }
  }

  /** The scrape once {@code name} reads {@code value}; fails after 10 s. */
  static String awaitMetric(RunningGateway gw, String name, long value) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      String scrape = metrics(gw);
      if (metric(scrape, name) == value) {
        return scrape;
      }
      assertTrue(System.currentTimeMillis() < deadline, name + " should reach " + value + " in\n" + scrape);
      Thread.sleep(50);
    }
  }

  /** The value of an unlabelled series in a Prometheus scrape; fails when absent. */
  static long metric(String scrape, String name) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + " ")) {
        return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return fail(name + " not in\n" + scrape);
  }
}
