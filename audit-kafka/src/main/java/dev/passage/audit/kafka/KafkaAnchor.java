package dev.passage.audit.kafka;

import dev.passage.audit.CheckpointAnchor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code audit.integrity.anchor.kafka}: every checkpoint a sink stored, as one Kafka record of its own
 * topic (value: the checkpoint line without its newline; key: its stream, so a stream's checkpoints
 * stay in one partition), kept apart from the trail so that a tail cut after the last checkpoint in
 * the trail still shows ({@code passage audit verify --anchor-kafka-topic}). An append waits until
 * the broker acknowledged every checkpoint ({@code acks=all}, idempotent) or fails as a whole; the
 * pipeline's anchor thread retries it, so a checkpoint may arrive twice, which is harmless: the same
 * checkpoint attests the same. Called from that one thread only.
 */
public final class KafkaAnchor implements CheckpointAnchor {

  private static final byte[] STREAM_MEMBER = "\"stream\":\"".getBytes(StandardCharsets.US_ASCII);
  static final Set<String> RESERVED = KafkaSinkSettings.RESERVED;

  private final String bootstrapServers;
  private final String topic;
  private final Producer<byte[], byte[]> producer;
  private boolean closed;

  /** Creates the producer; it connects lazily, so a cluster that is down does not stop the gateway starting. */
  public KafkaAnchor(String bootstrapServers, String topic, Map<String, String> properties) throws IOException {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    try {
      this.producer = new KafkaProducer<>(producerConfig(bootstrapServers, properties));
    } catch (KafkaException e) {
      throw new IOException("cannot create the Kafka producer for " + describe() + ": " + e.getMessage(), e);
    }
  }

  /** Passage's settings (acks=all, idempotent, bounded waits as the sink's), then {@code properties} on top. */
  static Map<String, Object> producerConfig(String bootstrapServers, Map<String, String> properties) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, KafkaSinkSettings.MAX_BLOCK_MS);
    c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, KafkaSinkSettings.REQUEST_TIMEOUT_MS);
    c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, KafkaSinkSettings.DELIVERY_TIMEOUT_MS);
    c.put(ProducerConfig.CLIENT_ID_CONFIG, "passage-audit-anchor");
    if (properties != null) {
      c.putAll(properties);
    }
    c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return c;
  }

  /**
   * Why {@code properties} cannot configure the anchor's producer, or null: an unknown name, a setting
   * Passage owns, a bad value, or acks other than all (a checkpoint counts as anchored only once every
   * in-sync replica has it). Checked without connecting.
   */
  public static String problemWithProperties(Map<String, String> properties) {
    if (properties == null) {
      return null;
    }
    for (String name : properties.keySet()) {
      if (RESERVED.contains(name)) {
        return name + " is set by Passage (checkpoints are byte arrays)";
      }
      if (!ProducerConfig.configNames().contains(name)) {
        return name + " is not a Kafka producer setting";
      }
    }
    try {
      Map<String, Object> parsed = ProducerConfig.configDef().parse(producerConfig("localhost:9092", properties));
      String acks = String.valueOf(parsed.get(ProducerConfig.ACKS_CONFIG));
      if (!acks.equals("all") && !acks.equals("-1")) {
        return "acks=" + acks + ": an anchor needs acks=all (a checkpoint is anchored once every in-sync replica has it)";
      }
    } catch (ConfigException e) {
      return e.getMessage();
    }
    return null;
  }

  @Override
  public String describe() {
    return "kafka anchor topic " + topic + " at " + bootstrapServers;
  }

  @Override
  public void append(List<byte[]> checkpoints) throws IOException {
    if (closed) {
      throw new IOException(describe() + " is closed");
    }
    List<Future<RecordMetadata>> sent = new ArrayList<>(checkpoints.size());
    try {
      for (byte[] line : checkpoints) {
        byte[] value = line.length > 0 && line[line.length - 1] == '\n' ? Arrays.copyOf(line, line.length - 1) : line;
        sent.add(producer.send(new ProducerRecord<>(topic, null, null, stream(value), value)));
      }
      producer.flush();
    } catch (KafkaException | IllegalStateException e) {
      throw new IOException("appending checkpoints to " + describe() + " failed: " + e.getMessage(), e);
    }
    for (Future<RecordMetadata> f : sent) {
      try {
        f.get();
      } catch (ExecutionException e) {
        throw new IOException("the broker did not take a checkpoint for " + describe() + ": " + e.getCause(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while appending checkpoints to " + describe(), e);
      }
    }
  }

  /** The checkpoint's stream as its key (null when the line has none: it still goes to the topic). */
  static byte[] stream(byte[] checkpoint) {
    for (int i = 0; i + STREAM_MEMBER.length <= checkpoint.length; i++) {
      if (Arrays.equals(checkpoint, i, i + STREAM_MEMBER.length, STREAM_MEMBER, 0, STREAM_MEMBER.length)) {
        int start = i + STREAM_MEMBER.length;
        int end = start;
        while (end < checkpoint.length && checkpoint[end] != '"') {
          end++;
        }
        return Arrays.copyOfRange(checkpoint, start, end);
      }
    }
    return null;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      producer.close(KafkaSink.CLOSE_TIMEOUT);
    } catch (KafkaException e) {
      // Nothing is lost: every checkpoint is in its sink too.
    }
  }
}
