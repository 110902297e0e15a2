package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.KafkaBroker;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka as a trail and as an anchor, against the in-JVM broker: a trail written through a real
 * gateway to a topic (chained, keyed by instance, with signed checkpoints also written to an anchor
 * topic) verifies intact with {@code passage audit verify --kafka}; forged copies of the topic with one
 * record edited or missing are named at topic/partition/offset; a tail cut after the last checkpoint
 * verifies as a valid shorter chain on its own and is caught against the anchor topic.
 */
class KafkaTrailVerifyTest {

  static final int REQUESTS = 23;

  @TempDir Path dir;

  @Test
  void aKafkaTrailVerifiesIntactAndEveryForgedCopyIsNamedAtItsOffset() throws Exception {
    Path keys = dir.resolve("keys");
    java.nio.file.Files.createDirectories(keys);
    assertEquals(0, AuditCheckpointTest.verifyCli("audit", "keygen", "--out", keys.resolve("k").toString()).exit());
    String pub = keys.resolve("k.pub").toString();
    try (KafkaBroker kafka = KafkaBroker.start(); RecordingUpstream upstream = RecordingUpstream.start()) {
      kafka.createTopic("trail", 3);
      kafka.createTopic("anchor", 1);
      try (RunningGateway gw = RunningGateway.start("""
          listen: 127.0.0.1:0
          audit:
            flush_interval: 100ms
            spool: { dir: "${SPOOL}" }
            integrity:
              signing_key: "${KEY}"
              checkpoint_every: 5
              anchor:
                kafka: { bootstrap_servers: "${KAFKA}", topic: anchor }
            sinks:
              - { type: kafka, bootstrap_servers: "${KAFKA}", topic: trail }
          routes:
            - name: orders
              match: { path_prefix: /orders }
              upstream: { targets: ["${UP}"] }
          """, Map.of("KAFKA", kafka.bootstrap(), "UP", upstream.url(), "SPOOL", dir.resolve("spool").toString(),
          "KEY", keys.resolve("k.key").toString()))) {
        for (int i = 0; i < REQUESTS; i++) {
          assertEquals(200, gw.get("/orders/" + i).statusCode());
        }
      } // a graceful stop: a final checkpoint of everything, in the trail and in the anchor topic

      List<ConsumerRecord<byte[], byte[]>> trail = inOrder(kafka.readAll("trail", REQUESTS + 5, Duration.ofSeconds(30)));
      Set<Integer> partitions = trail.stream().map(ConsumerRecord::partition).collect(Collectors.toSet());
      assertEquals(1, partitions.size(), "one gateway's stream, checkpoints included, is one partition: " + partitions);
      int partition = partitions.iterator().next();
      assertTrue(kafka.readAll("anchor", 5, Duration.ofSeconds(30)).size() >= 5, "checkpoints in the anchor topic");

      AuditIntegrityTest.Verdict intact = verify(kafka, "trail", "--public-key", pub, "--anchor-kafka-topic", "anchor");
      assertEquals(0, intact.exit(), intact.output());
      assertTrue(intact.output().startsWith("intact: " + REQUESTS + " records in 1 stream(s)"), intact.output());
      assertTrue(intact.output().contains("(signatures verified), anchor matched"), intact.output());

      // One record's status changed: edited, at its own offset.
      int edit = indexOfRecord(trail, 7);
      copy(kafka, trail, "forged-edit", i -> i == edit ? v -> v.replace("\"status\":200", "\"status\":201")
          : UnaryOperator.identity());
      AuditIntegrityTest.Verdict edited = verify(kafka, "forged-edit", "--public-key", pub);
      assertEquals(1, edited.exit(), edited.output());
      assertTrue(edited.output().startsWith("TAMPERED edited forged-edit/" + partition + "/" + edit + " "), edited.output());

      // One record missing: deleted, named at the record after the gap.
      int delete = indexOfRecord(trail, 12);
      copy(kafka, trail, "forged-delete", i -> i == delete ? null : UnaryOperator.identity());
      AuditIntegrityTest.Verdict deleted = verify(kafka, "forged-delete", "--public-key", pub);
      assertEquals(1, deleted.exit(), deleted.output());
      assertTrue(deleted.output().startsWith("TAMPERED deleted forged-delete/" + partition + "/" + delete + " "),
          deleted.output());

      // The tail cut after the last checkpoint but one: a valid shorter chain, caught only by the anchor.
      int lastButOne = lastCheckpointBefore(trail, trail.size() - 1);
      copy(kafka, trail, "forged-cut", i -> i > lastButOne ? null : UnaryOperator.identity());
      AuditIntegrityTest.Verdict alone = verify(kafka, "forged-cut", "--public-key", pub);
      assertEquals(0, alone.exit(), "without the anchor a cut tail is a valid chain: " + alone.output());
      AuditIntegrityTest.Verdict cut = verify(kafka, "forged-cut", "--public-key", pub, "--anchor-kafka-topic", "anchor");
      assertEquals(1, cut.exit(), cut.output());
      assertTrue(cut.output().startsWith("TAMPERED truncated forged-cut/" + partition + "/" + lastButOne + " "),
          cut.output());

      AuditIntegrityTest.Verdict missing = verify(kafka, "no-such-topic");
      assertEquals(2, missing.exit(), missing.output());
    }
  }

  /** The verdict, its output reduced to verify's own lines (the Kafka client logs to the same stdout in tests). */
  private static AuditIntegrityTest.Verdict verify(KafkaBroker kafka, String topic, String... more) {
    List<String> args = new ArrayList<>(List.of("audit", "verify", "--kafka", kafka.bootstrap(), "--topic", topic));
    args.addAll(List.of(more));
    AuditIntegrityTest.Verdict v = AuditCheckpointTest.verifyCli(args.toArray(String[]::new));
    String own = v.output().lines().filter(l -> l.startsWith("intact: ") || l.startsWith("TAMPERED ")
        || l.startsWith("unusable: ") || l.startsWith("note: ")).collect(Collectors.joining("\n"));
    return new AuditIntegrityTest.Verdict(v.exit(), own);
  }

  private static List<ConsumerRecord<byte[], byte[]>> inOrder(List<ConsumerRecord<byte[], byte[]>> records) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>(records);
    out.sort(Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
        .thenComparingLong(ConsumerRecord::offset));
    return out;
  }

  private static String text(ConsumerRecord<byte[], byte[]> r) {
    return new String(r.value(), StandardCharsets.UTF_8);
  }

  private static boolean isCheckpoint(ConsumerRecord<byte[], byte[]> r) {
    return text(r).startsWith("{\"type\":\"checkpoint\"");
  }

  /** The index (= offset, one partition from 0) of the n-th record line, checkpoints not counted. */
  private static int indexOfRecord(List<ConsumerRecord<byte[], byte[]>> trail, int n) {
    int seen = 0;
    for (int i = 0; i < trail.size(); i++) {
      if (!isCheckpoint(trail.get(i)) && ++seen == n) {
        assertEquals(i, trail.get(i).offset(), "a fresh topic: offsets from 0, no gaps");
        return i;
      }
    }
    throw new AssertionError("no record " + n);
  }

  private static int lastCheckpointBefore(List<ConsumerRecord<byte[], byte[]>> trail, int end) {
    for (int i = end - 1; i >= 0; i--) {
      if (isCheckpoint(trail.get(i))) {
        return i;
      }
    }
    throw new AssertionError("no checkpoint before " + end);
  }

  /**
   * Writes {@code trail} into a new topic of the same partitions, each record's value changed by the
   * function {@code forge} gives for its index, or left out where it gives null.
   */
  private static void copy(KafkaBroker kafka, List<ConsumerRecord<byte[], byte[]>> trail, String topic,
      java.util.function.IntFunction<UnaryOperator<String>> forge) throws Exception {
    kafka.createTopic(topic, 3);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      for (int i = 0; i < trail.size(); i++) {
        UnaryOperator<String> f = forge.apply(i);
        if (f == null) {
          continue;
        }
        ConsumerRecord<byte[], byte[]> r = trail.get(i);
        p.send(new ProducerRecord<>(topic, r.partition(), r.key(), f.apply(text(r)).getBytes(StandardCharsets.UTF_8)))
            .get();
      }
    }
  }
}
