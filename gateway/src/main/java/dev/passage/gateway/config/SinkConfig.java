package dev.passage.gateway.config;

import dev.passage.audit.kafka.KafkaSinkSettings;
import java.util.Map;

/**
 * One audit sink: {@code type: file} (JSON lines on local disk) or {@code type: kafka} (a Kafka
 * topic). Fields of the other type are errors, not ignored.
 *
 * @param type         {@code file} (default) or {@code kafka}
 * @param path         file: the file path (required)
 * @param maxFileBytes file: rotate when the file would grow past this (default 100 MiB). Rotation renames
 *                     the file and goes on with a fresh one; a background thread gzips the renamed
 *                     file into {@code <path>.1.gz}, older generations becoming {@code .2.gz},
 *                     {@code .3.gz}, … While 4 renamed files still wait for it, the active file
 *                     grows past this limit instead of rotating, so writing never waits for gzip.
 * @param maxFiles     file: compressed generations to keep, 1..10000. Default: unset, every generation is
 *                     kept and nothing is ever deleted. When set, each generation deleted past it is
 *                     logged (WARN, with its file name) and counted in
 *                     {@code passage_audit_generations_deleted_total}.
 * @param bootstrapServers kafka: {@code host:port[,host:port...]} (required)
 * @param topic        kafka: the topic every record goes to (required; Passage does not create it)
 * @param acks         kafka: {@code all} (default: every in-sync replica, with the idempotent producer)
 *                     or {@code 1} (the leader only; idempotence off). A record counts as written
 *                     only once the broker acknowledged it this way.
 * @param compression  kafka: {@code zstd} (default), {@code lz4}, {@code snappy}, {@code gzip}, {@code none}
 * @param linger       kafka: how long the producer waits to fill a batch (default 5ms; 0ms allowed)
 * @param batchBytes   kafka: the producer's batch size per partition (default 1048576, 1 MiB)
 * @param key          kafka: the top-level record field used as the Kafka key. With a spool (records are
 *                     chained) it is {@code instance}, the default and the only value allowed: one gateway's
 *                     chain stream stays in one partition, in chain order even across re-sends, so the topic
 *                     can be verified; a chain spread over partitions could not be. Without a spool the
 *                     default is {@code route} (a route's records stay in order in one partition), or
 *                     {@code id}, {@code request_id}, {@code outcome}, {@code reason}. A record whose field
 *                     is null has no key.
 * @param properties   kafka: producer settings passed verbatim to the client (SASL, TLS, timeouts),
 *                     overriding Passage's defaults; unknown names are errors. Passage sets
 *                     {@code max.request.size} to the largest record the capture limits allow
 *                     ({@link AuditRecordBound}); a record refused as too large all the same is set
 *                     aside (README, "Records too large for Kafka")
 */
public record SinkConfig(String type, String path, Long maxFileBytes, Integer maxFiles, String bootstrapServers,
    String topic, String acks, String compression, String linger, Integer batchBytes, String key,
    Map<String, String> properties) {

  public static final String FILE = "file";
  public static final String KAFKA = "kafka";

  /** A file sink. */
  public SinkConfig(String type, String path, Long maxFileBytes, Integer maxFiles) {
    this(type, path, maxFileBytes, maxFiles, null, null, null, null, null, null, null, null);
  }

  public SinkConfig {
    type = type == null ? FILE : type;
    maxFileBytes = maxFileBytes == null && type.equals(FILE) ? Long.valueOf(100L * 1024 * 1024) : maxFileBytes;
  }

  /** A kafka sink's settings, defaults filled in, without a record bound or a file for refused records. */
  public KafkaSinkSettings kafkaSettings() {
    return kafkaSettings(0, null);
  }

  /**
   * A kafka sink's settings, defaults filled in; call on a validated config. {@code maxRecordBytes}
   * sizes the producer's requests ({@link AuditRecordBound}); {@code rejectedFile} keeps records the
   * broker refuses as too large (null: none).
   */
  public KafkaSinkSettings kafkaSettings(long maxRecordBytes, java.nio.file.Path rejectedFile) {
    return kafkaSettings(maxRecordBytes, rejectedFile, false);
  }

  /** As above; {@code chained} (a spool is configured): the key defaults to {@code instance}. */
  public KafkaSinkSettings kafkaSettings(long maxRecordBytes, java.nio.file.Path rejectedFile, boolean chained) {
    String keyField = key == null && chained ? KafkaSinkSettings.INSTANCE_KEY : key;
    return new KafkaSinkSettings(bootstrapServers, topic, acks, compression,
        linger == null ? null : Durations.parse(linger), batchBytes == null ? KafkaSinkSettings.DEFAULT_BATCH_BYTES : batchBytes,
        keyField, properties, maxRecordBytes, rejectedFile);
  }
}
