package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.passage.audit.kafka.KafkaSink;
import dev.passage.gateway.support.KafkaBroker;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A record Kafka refuses as too large can never be delivered; retried forever it would stall every
 * record behind it while the spool fills. Against a real broker: a record larger than the topic's
 * {@code max.message.bytes} (the broker refuses it), and one larger than a lowered {@code
 * max.request.size} (the producer refuses it), are each set aside: kept whole in the rejected file
 * beside the spool, counted, logged at ERROR, and replaced in the topic by a stand-in with the same
 * id, in the same place; the records after it arrive and the spool drains.
 */
class KafkaRecordTooLargeTest {

  static KafkaBroker kafka;
  static RecordingUpstream upstream;
  /** 60 KiB of random letters and digits: about 45 KiB even compressed, so zstd cannot make it fit 32 KiB. */
  static final String BIG_BODY = randomText(60 * 1024);

  @TempDir Path dir;
  private Logger oversizeLogger;
  private ListAppender<ILoggingEvent> log;

  @BeforeAll
  static void start() throws Exception {
    kafka = KafkaBroker.start();
    upstream = RecordingUpstream.start();
  }

  @AfterAll
  static void stop() throws Exception {
    upstream.close();
    kafka.close();
  }

  @BeforeEach
  void captureLog() {
    oversizeLogger = (Logger) LoggerFactory.getLogger("dev.passage.audit.kafka.OversizeRecords");
    log = new ListAppender<>();
    log.start();
    oversizeLogger.addAppender(log);
  }

  @AfterEach
  void releaseLog() {
    oversizeLogger.detachAppender(log);
  }

  /** {@code properties}: the sink's {@code properties:} line, or empty. */
  RunningGateway gateway(String topic, String properties) throws Exception {
    return RunningGateway.start("""
        listen: 127.0.0.1:0
        admin: { listen: 127.0.0.1:0 }
        routes:
          - name: r
            match: { path_prefix: / }
            upstream: { targets: ["${UP}"] }
        audit:
          flush_interval: 100ms
          spool: { dir: "${SPOOL}" }
          sinks:
            - type: kafka
              bootstrap_servers: "${KAFKA}"
              topic: ${TOPIC}
              PROPERTIES
        """.replace("PROPERTIES", properties), Map.of("UP", upstream.url(), "SPOOL", dir.resolve("spool").toString(), "KAFKA", kafka.bootstrap(),
        "TOPIC", topic));
  }

  @Test
  void aRecordLargerThanTheTopicTakesIsSetAsideWithAStandInAndTheRecordsBehindItArrive() throws Exception {
    kafka.createTopic("small-messages", 1, Map.of("max.message.bytes", "32768"));
    try (RunningGateway gw = gateway("small-messages", "")) {
      sendAround(gw, "big");
      // The broker refused the big record after the producer sent it; the stand-in goes out after that,
      // so records sent meanwhile may come before it (as after any failed send).
      checkSetAside(gw, "small-messages", false);
    }
  }

  @Test
  void aRecordLargerThanTheProducersMaxRequestSizeIsSetAsideTheSameWay() throws Exception {
    kafka.createTopic("small-requests", 1);
    try (RunningGateway gw = gateway("small-requests", "properties: { max.request.size: \"20000\" }")) {
      sendAround(gw, "big");
      // The producer refused it at once, so the stand-in is sent exactly where the record would have been.
      checkSetAside(gw, "small-requests", true);
    }
  }

  /** small-0..4, then the big POST, then small-5..9: every one answered 200. */
  private static void sendAround(RunningGateway gw, String big) throws Exception {
    for (int i = 0; i < 5; i++) {
      assertEquals(200, KafkaSinkTest.send(gw, "/small/" + i, "small-" + i));
    }
    HttpResponse<String> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/upload")))
        .header("X-Request-Id", big).header("Content-Type", "text/plain").timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(BIG_BODY)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    for (int i = 5; i < 10; i++) {
      assertEquals(200, KafkaSinkTest.send(gw, "/small/" + i, "small-" + i));
    }
  }

  private void checkSetAside(RunningGateway gw, String topic, boolean inPlace) throws Exception {
    KafkaSinkTest.awaitMetric(gw, "passage_audit_kafka_rejected_records_total", 1);
    KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", 11);
    String m = KafkaSinkTest.awaitMetric(gw, "passage_audit_spool_unacknowledged_bytes", 0);
    assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_kafka_unacknowledged_records"), m);

    // The big record, whole, in the rejected file beside the spool.
    Path rejected = dir.resolve("spool").resolve("kafka-rejected." + topic + ".jsonl");
    List<String> kept = Files.readAllLines(rejected);
    assertEquals(1, kept.size(), "kept once");
    JsonNode record = SpoolFullTest.JSON.readTree(kept.get(0));
    assertEquals("big", record.get("request_id").asText());
    assertEquals(BIG_BODY, record.at("/request/body/content").asText(), "kept whole, body and all");

    // In the topic: every small record, and in the big one's place a stand-in with its id.
    List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(topic, 11, Duration.ofSeconds(30));
    List<String> order = new ArrayList<>();
    ConsumerRecord<byte[], byte[]> standIn = null;
    for (ConsumerRecord<byte[], byte[]> r : records) {
      JsonNode json = SpoolFullTest.JSON.readTree(r.value());
      if (json.has("type") && json.get("type").asText().equals("rejected")) {
        standIn = r;
        order.add("stand-in");
      } else {
        assertNull(KafkaBroker.header(r, KafkaSink.HEADER_REJECTED));
        order.add(json.get("request_id").asText());
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      expected.add("small-" + i);
      if (i == 4) {
        expected.add("stand-in");
      }
    }
    if (inPlace) {
      assertEquals(expected, order, "the stand-in takes the big record's place; nothing behind it waits or is lost");
    } else {
      assertEquals(Set.copyOf(expected), Set.copyOf(order), "nothing behind it waits or is lost");
      assertEquals(1, order.stream().filter("stand-in"::equals).count(), order.toString());
    }
    JsonNode s = SpoolFullTest.JSON.readTree(standIn.value());
    String id = record.get("id").asText();
    assertEquals(id, s.get("id").asText());
    assertEquals(id, KafkaBroker.header(standIn, KafkaSink.HEADER_RECORD_ID));
    assertEquals("too_large", KafkaBroker.header(standIn, KafkaSink.HEADER_REJECTED));
    assertEquals(record.get("instance").asText(), new String(standIn.key(), StandardCharsets.UTF_8),
        "same key (chained records are keyed by instance), so same partition and order");
    assertEquals("too_large", s.get("reason").asText());
    byte[] line = kept.get(0).getBytes(StandardCharsets.UTF_8);
    assertEquals(line.length, s.get("bytes").asInt());
    assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(line)), s.get("sha256").asText(),
        "the stand-in names the kept record by its digest");
    assertEquals(rejected.toString(), s.get("kept_in").asText());

    // audit tail --kafka says where the record went, instead of calling the stand-in unparseable.
    KafkaSinkTest.Tail tail = KafkaSinkTest.tail("audit", "tail", "--kafka", kafka.bootstrap(), "--topic", topic);
    assertEquals(0, tail.code(), tail.out());
    assertTrue(tail.out().contains("record " + id + " (" + line.length + " bytes) was too large for Kafka; kept whole in "
        + rejected), tail.out());
    assertTrue(!tail.out().contains("unparseable"), tail.out());
    assertEquals(10, KafkaSinkTest.lines(tail.out(), " GET /small/").size(), tail.out());

    // Loud: one ERROR naming the record and the setting to change.
    List<ILoggingEvent> events;
    synchronized (log) {
      events = List.copyOf(log.list);
    }
    assertEquals(1, events.size(), events.toString());
    assertEquals(Level.ERROR, events.get(0).getLevel());
    String message = events.get(0).getFormattedMessage();
    assertTrue(message.contains(id) && message.contains("max.message.bytes") && message.contains(rejected.toString()),
        message);
  }

  static String randomText(int n) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    Random random = new Random(15);
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return b.toString();
  }
}
