package dev.passage.gateway.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft cluster (broker and controller in one node) inside the test JVM, started
 * with Kafka's own test kit (no Docker). Its broker can be stopped and started again in place, on
 * the same port, while the controller keeps running: a real outage as clients see it.
 */
public final class KafkaBroker implements AutoCloseable {

  private final KafkaClusterTestKit cluster;

  private KafkaBroker(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  public static KafkaBroker start() throws Exception {
    KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
        .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
        // One broker: internal topics with the default replication factor 3 could never be created.
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("transaction.state.log.replication.factor", "1")
        .setConfigProp("transaction.state.log.min.isr", "1")
        .setConfigProp("auto.create.topics.enable", "false")
        .build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return new KafkaBroker(cluster);
  }

  public String bootstrap() {
    return cluster.bootstrapServers();
  }

  public void createTopic(String name, int partitions) throws Exception {
    createTopic(name, partitions, Map.of());
  }

  /** A topic with topic-level settings, e.g. {@code max.message.bytes}. */
  public void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
    try (Admin admin = cluster.admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  /** Stops the broker (a controlled shutdown); its port refuses connections until {@link #startBroker()}. */
  public void stopBroker() {
    BrokerServer broker = broker();
    broker.shutdown();
    broker.awaitShutdown();
  }

  /** Starts the stopped broker again on the same port and waits until it serves. */
  public void startBroker() throws Exception {
    broker().startup();
    cluster.waitForReadyBrokers();
  }

  private BrokerServer broker() {
    return cluster.brokers().values().iterator().next();
  }

  /**
   * Every record of {@code topic} from its beginning, read with a plain consumer (no group), once at
   * least {@code atLeast} are there or {@code timeout} passed; then whatever arrives in a further
   * half second, so extra records (duplicates) show too.
   */
  public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int atLeast, Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false))) {
      List<TopicPartition> tps = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + timeout.toNanos();
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, quietUntil)) {
        consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        if (out.size() >= atLeast && quietUntil == Long.MAX_VALUE) {
          quietUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        }
      }
    }
    return out;
  }

  /** The value of header {@code name} as text, or null. */
  public static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
