package dev.passage.audit.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.passage.audit.AuditTail;
import dev.passage.audit.RecordPrinter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code passage audit tail --kafka BOOTSTRAP --topic T [--route R] [--status 5xx] [--follow]}: the
 * records of a topic, from its beginning, printed as the file form prints them. Without follow it
 * stops at the end the topic had when it started (as the file form stops at the end of the file);
 * with follow it goes on printing new records until interrupted.
 *
 * <p>It reads every partition with no consumer group: nothing is committed, nothing on the cluster
 * changes, and any number of operators can tail at once. Records are in order within a partition
 * (with the default key, within a route); partitions are interleaved as they arrive. Partitions
 * added while it follows are not picked up.
 */
public final class KafkaTail {

  private static final JsonFactory JSON = new JsonFactory();
  static final Duration POLL = Duration.ofMillis(200);
  /** How long to wait for the cluster before saying it cannot be reached. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

  private KafkaTail() {}

  /**
   * A stand-in for a record set aside as too large (see {@link OversizeRecords}) has no status or
   * route of its own to print or filter by: it is shown with its id and where the record is kept,
   * and filtered by its key, which is the record's route with the default {@code key: route}.
   */
  static void printStandIn(String json, byte[] key, String route, String at, PrintStream out) {
    if (route != null && (key == null || !route.equals(new String(key, StandardCharsets.UTF_8)))) {
      return;
    }
    Map<String, String> fields = new HashMap<>();
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken value = p.nextToken();
          if (value.isScalarValue()) {
            fields.put(name, value == JsonToken.VALUE_NULL ? null : p.getText());
          } else {
            p.skipChildren();
          }
        }
      }
    } catch (java.io.IOException e) {
      out.println("! " + RecordPrinter.printable(at) + ": unparseable stand-in (" + RecordPrinter.printable(e.getMessage()) + ")");
      return;
    }
    out.println(RecordPrinter.printable("! " + at + ": record " + fields.get("id") + " (" + fields.get("bytes")
        + " bytes) was too large for Kafka; kept whole in " + fields.get("kept_in") + " on the gateway that wrote it"));
  }

  /**
   * Prints the matching records of {@code topic}; returns {@link AuditTail#EXIT_OK}, {@link
   * AuditTail#EXIT_UNREADABLE} (cluster or topic not there) or {@link AuditTail#EXIT_USAGE}.
   *
   * @param properties consumer settings for SASL/TLS, passed verbatim
   */
  public static int run(String bootstrap, String topic, String route, String status, boolean follow,
      Map<String, String> properties, PrintStream out) {
    RecordPrinter printer;
    try {
      printer = RecordPrinter.of(route, status, out);
    } catch (IllegalArgumentException e) {
      out.println("passage audit tail: " + RecordPrinter.printable(e.getMessage()));
      return AuditTail.EXIT_USAGE;
    }
    for (String name : properties.keySet()) {
      if (!ConsumerConfig.configNames().contains(name)) {
        out.println("passage audit tail: " + RecordPrinter.printable(name) + " is not a Kafka consumer setting");
        return AuditTail.EXIT_USAGE;
      }
    }
    String where = "topic " + topic + " at " + bootstrap;
    boolean interrupted = false;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(bootstrap, properties))) {
      List<PartitionInfo> partitions;
      try {
        partitions = consumer.partitionsFor(topic, CONNECT_TIMEOUT);
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        out.println(RecordPrinter.printable("passage audit tail: cannot reach " + bootstrap + " within "
            + CONNECT_TIMEOUT.toSeconds() + " s"));
        return AuditTail.EXIT_UNREADABLE;
      }
      if (partitions == null || partitions.isEmpty()) {
        out.println(RecordPrinter.printable("passage audit tail: no " + where));
        return AuditTail.EXIT_UNREADABLE;
      }
      List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = follow ? Map.of() : consumer.endOffsets(tps, CONNECT_TIMEOUT);
      try {
        while (!Thread.currentThread().isInterrupted() && (follow || !reached(consumer, end))) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
            String json = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
            String at = "partition " + r.partition() + " offset " + r.offset();
            if (r.headers().lastHeader(KafkaSink.HEADER_REJECTED) != null) {
              printStandIn(json, r.key(), route, at, out);
            } else {
              printer.print(json, at);
            }
          }
        }
      } catch (InterruptException e) {
        // Interrupting is how follow mode is meant to end.
      }
      // Cleared so the consumer can close its fetch sessions; set again below for the caller.
      interrupted = Thread.interrupted();
      return AuditTail.EXIT_OK;
    } catch (KafkaException e) {
      out.println(RecordPrinter.printable("passage audit tail: cannot read " + where + ": " + e.getMessage()));
      return AuditTail.EXIT_UNREADABLE;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey(), CONNECT_TIMEOUT) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, Object> consumerConfig(String bootstrap, Map<String, String> properties) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "passage-audit-tail");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Reading must never create the topic it was asked about (a typo would leave a stray topic).
    c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CONNECT_TIMEOUT.toMillis());
    c.putAll(properties);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return c;
  }
}
