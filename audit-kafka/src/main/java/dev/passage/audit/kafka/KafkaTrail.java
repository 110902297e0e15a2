package dev.passage.audit.kafka;

import dev.passage.audit.TrailSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A topic as a trail for {@code passage audit verify --kafka}: every partition from its beginning to
 * the end it had when reading started, one partition after the other (partition 0 first), each
 * record's value one line at {@code topic/partition/offset}. With {@code key: instance} a gateway's
 * stream is in one partition, in order, so reading partition by partition sees each stream whole.
 * No consumer group: nothing is committed, nothing on the cluster changes.
 */
public final class KafkaTrail implements TrailSource {

  static final Duration POLL = Duration.ofMillis(200);
  /** How long a partition may give nothing before its end before it is called unreadable. */
  static final Duration STALL = Duration.ofSeconds(30);

  private final String bootstrap;
  private final String topic;
  private final Map<String, String> properties;
  private KafkaConsumer<byte[], byte[]> consumer;
  private List<TopicPartition> partitions;
  private Map<TopicPartition, Long> ends;
  private int index = -1;
  private TopicPartition current;
  private final ArrayDeque<ConsumerRecord<byte[], byte[]>> buffered = new ArrayDeque<>();

  public KafkaTrail(String bootstrap, String topic, Map<String, String> properties) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.properties = properties == null ? Map.of() : properties;
  }

  @Override
  public String describe() {
    return "topic " + topic + " at " + bootstrap;
  }

  @Override
  public Line next() throws IOException {
    try {
      if (consumer == null) {
        open();
      }
      while (true) {
        if (!buffered.isEmpty()) {
          ConsumerRecord<byte[], byte[]> r = buffered.poll();
          return new Line(topic + "/" + r.partition() + "/", r.offset(), r.value());
        }
        if (current == null || consumer.position(current, KafkaTail.CONNECT_TIMEOUT) >= ends.get(current)) {
          if (++index >= partitions.size()) {
            return null;
          }
          // One partition fetched at a time: the others stay assigned, paused, at their beginning.
          if (current != null) {
            consumer.pause(List.of(current));
          }
          current = partitions.get(index);
          consumer.resume(List.of(current));
          continue;
        }
        fill();
      }
    } catch (KafkaException e) {
      throw new IOException("cannot read " + describe() + ": " + e.getMessage(), e);
    }
  }

  private void fill() throws IOException {
    long deadline = System.nanoTime() + STALL.toNanos();
    while (buffered.isEmpty() && consumer.position(current, KafkaTail.CONNECT_TIMEOUT) < ends.get(current)) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
        if (r.offset() < ends.get(current)) {
          buffered.add(r); // records appended after reading started are not part of this verification
        }
      }
      if (buffered.isEmpty() && System.nanoTime() > deadline) {
        throw new IOException("cannot read " + describe() + ": partition " + current.partition() + " gave nothing for "
            + STALL.toSeconds() + " s before its end offset " + ends.get(current));
      }
    }
  }

  private void open() throws IOException {
    for (String name : properties.keySet()) {
      if (!ConsumerConfig.configNames().contains(name)) {
        throw new IOException(name + " is not a Kafka consumer setting");
      }
    }
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "passage-audit-verify");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) KafkaTail.CONNECT_TIMEOUT.toMillis());
    c.putAll(properties);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    consumer = new KafkaConsumer<>(c);
    List<PartitionInfo> infos;
    try {
      infos = consumer.partitionsFor(topic, KafkaTail.CONNECT_TIMEOUT);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new IOException("cannot reach " + bootstrap + " within " + KafkaTail.CONNECT_TIMEOUT.toSeconds() + " s");
    }
    if (infos == null || infos.isEmpty()) {
      throw new IOException("no " + describe());
    }
    partitions = infos.stream().map(p -> new TopicPartition(p.topic(), p.partition()))
        .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
    ends = consumer.endOffsets(partitions, KafkaTail.CONNECT_TIMEOUT);
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    consumer.pause(partitions);
  }

  @Override
  public void close() {
    if (consumer != null) {
      consumer.close();
      consumer = null;
    }
  }
}
