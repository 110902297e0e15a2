package dev.passage.audit.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What a Kafka audit sink is configured with, and the producer settings that follow from it.
 *
 * @param bootstrapServers {@code host:port[,host:port...]}
 * @param topic            where every record goes
 * @param acks             {@code all} (the idempotent producer) or {@code 1} (leader only; idempotence off)
 * @param compression      {@code zstd}, {@code lz4}, {@code snappy}, {@code gzip} or {@code none}
 * @param linger           how long the producer waits to fill a batch ({@code linger.ms})
 * @param batchBytes       batch size per partition ({@code batch.size})
 * @param keyField         the top-level record field whose value is the Kafka key
 * @param properties       producer settings passed verbatim, overriding everything above (SASL, TLS)
 * @param maxRecordBytes   the largest record the capture limits allow (0: unknown): the producer's
 *                         {@code max.request.size} is raised to it, so the producer never refuses a record
 * @param rejectedFile     where a record the broker refuses as too large is kept whole before a stand-in
 *                         takes its place in the topic; null: nowhere (only the stand-in remains)
 */
public record KafkaSinkSettings(String bootstrapServers, String topic, String acks, String compression,
    Duration linger, int batchBytes, String keyField, Map<String, String> properties, long maxRecordBytes,
    Path rejectedFile) {

  public static final String DEFAULT_ACKS = "all";
  public static final String DEFAULT_COMPRESSION = "zstd";
  public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
  public static final int DEFAULT_BATCH_BYTES = 1024 * 1024;
  /** The client's own default {@code max.request.size}, kept when the capture limits allow no larger record. */
  public static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;
  /** The client's own default {@code buffer.memory}: one record larger than it could never be sent either. */
  static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;
  public static final String DEFAULT_KEY_FIELD = "route";
  /**
   * The key of chained records: the gateway instance, so that one gateway's stream (its chain for this
   * sink) is one partition, in chain order, re-sends included (see {@link KafkaSink}).
   */
  public static final String INSTANCE_KEY = "instance";
  public static final List<String> ACKS = List.of("all", "1");
  public static final List<String> COMPRESSIONS = List.of("zstd", "lz4", "snappy", "gzip", "none");
  /**
   * Top-level scalar fields of a record (docs/audit-record.md) that make a useful key: {@code route}
   * keeps a route's records in order in one partition; {@code id} spreads them evenly.
   */
  public static final List<String> KEY_FIELDS = List.of("route", "id", "request_id", "outcome", "reason", INSTANCE_KEY);

  /**
   * How long {@code send()} may wait for topic metadata or buffer space. It runs on the audit writer
   * thread, never an event loop; bounded so a dead cluster turns into a failed write that the
   * pipeline retries (with backoff) instead of a writer stuck for the client's default minute.
   */
  static final long MAX_BLOCK_MS = 10_000;
  /** One produce request's wait for the broker; the idempotent producer retries it safely. */
  static final int REQUEST_TIMEOUT_MS = 10_000;
  /**
   * The longest a flush waits for the broker before the pipeline sees a failure and re-sends (the
   * client default is two minutes). An outage shorter than this costs no error at all: the
   * producer's own retries carry the records over it.
   */
  static final int DELIVERY_TIMEOUT_MS = 30_000;
  /** Settings Passage owns: the sink hands the producer byte arrays, and nothing else would work. */
  static final Set<String> RESERVED = Set.of(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
      ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);

  public KafkaSinkSettings {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(topic, "topic");
    acks = acks == null ? DEFAULT_ACKS : acks;
    compression = compression == null ? DEFAULT_COMPRESSION : compression;
    linger = linger == null ? DEFAULT_LINGER : linger;
    keyField = keyField == null ? DEFAULT_KEY_FIELD : keyField;
    properties = properties == null ? Map.of() : Map.copyOf(properties);
    if (maxRecordBytes < 0) {
      throw new IllegalArgumentException("maxRecordBytes must be >= 0, got " + maxRecordBytes);
    }
  }

  /** Without a known record bound and without a file for refused records. */
  public KafkaSinkSettings(String bootstrapServers, String topic, String acks, String compression, Duration linger,
      int batchBytes, String keyField, Map<String, String> properties) {
    this(bootstrapServers, topic, acks, compression, linger, batchBytes, keyField, properties, 0, null);
  }

  /**
   * Whether a stream must keep its order in its partition across failures too ({@code key: instance}):
   * the sink then starts over from the first failed line instead of re-sending it alone.
   */
  public boolean ordered() {
    return keyField.equals(INSTANCE_KEY);
  }

  /**
   * The producer's {@code max.request.size}: the client's 1 MiB, or the largest record the capture
   * limits allow when that is more (the producer compares it with a record's uncompressed size and
   * refuses a larger one at once, however well it would compress).
   */
  public int maxRequestSize() {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(DEFAULT_MAX_REQUEST_SIZE, maxRecordBytes));
  }

  /** The producer's configuration: Passage's defaults, then {@link #properties} on top. */
  public Map<String, Object> producerConfig() {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ProducerConfig.ACKS_CONFIG, acks);
    // Idempotence needs acks=all; with it a producer retry never writes a batch twice.
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, acks.equals("all"));
    c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    c.put(ProducerConfig.LINGER_MS_CONFIG, linger.toMillis());
    c.put(ProducerConfig.BATCH_SIZE_CONFIG, batchBytes);
    c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS);
    c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, REQUEST_TIMEOUT_MS);
    c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(DELIVERY_TIMEOUT_MS,
        linger.toMillis() + REQUEST_TIMEOUT_MS));
    c.put(ProducerConfig.CLIENT_ID_CONFIG, "passage-audit");
    c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestSize());
    // The producer also refuses a record larger than its whole buffer.
    c.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(DEFAULT_BUFFER_MEMORY, 2L * maxRequestSize()));
    if (ordered() && !acks.equals("all")) {
      // Without idempotence the producer's own retries keep a partition's order only one request at a time.
      c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    }
    c.putAll(properties);
    c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return c;
  }

  /**
   * Why the {@code properties} cannot configure a producer, or null when they can: an unknown name
   * (a typo such as {@code sasl.mechansim} would otherwise be ignored with a log line), a setting
   * Passage owns, a value of the wrong type, or {@code acks=0}, with which nothing could count as
   * delivered. Checked without creating a producer, so {@code passage check} connects nowhere.
   */
  public String problemWithProperties() {
    Set<String> known = ProducerConfig.configNames();
    for (String name : properties.keySet()) {
      if (RESERVED.contains(name)) {
        return name + " is set by Passage (records are byte arrays)";
      }
      if (!known.contains(name)) {
        return name + " is not a Kafka producer setting";
      }
    }
    Map<String, Object> parsed;
    try {
      parsed = ProducerConfig.configDef().parse(producerConfig());
    } catch (ConfigException e) {
      return e.getMessage();
    }
    String effectiveAcks = String.valueOf(parsed.get(ProducerConfig.ACKS_CONFIG));
    if (effectiveAcks.equals("0")) {
      return "acks=0 never hears back from the broker, so no record could count as delivered";
    }
    boolean idempotent = Boolean.TRUE.equals(parsed.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
    if (idempotent && !(effectiveAcks.equals("all") || effectiveAcks.equals("-1"))) {
      return "enable.idempotence=true needs acks=all (got acks=" + effectiveAcks + ")";
    }
    int inFlight = ((Number) parsed.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION)).intValue();
    if (ordered() && !idempotent && inFlight > 1) {
      return ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION + "=" + inFlight + " without enable.idempotence "
          + "lets the producer's retries reorder a partition; key: instance keeps a chained stream in order, so it "
          + "needs enable.idempotence=true (acks=all) or max.in.flight.requests.per.connection=1";
    }
    long linger = ((Number) parsed.get(ProducerConfig.LINGER_MS_CONFIG)).longValue();
    long request = ((Number) parsed.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)).longValue();
    long delivery = ((Number) parsed.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)).longValue();
    if (delivery < linger + request) {
      return "delivery.timeout.ms (" + delivery + ") must be at least linger.ms + request.timeout.ms (" + (linger + request) + ")";
    }
    return null;
  }
}
