package dev.passage.audit.kafka;

import dev.passage.audit.AuditVerify;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code passage audit verify --kafka BOOTSTRAP --topic T [--public-key K]... [--anchor FILE|URL |
 * --anchor-kafka-topic T2]}: the file form's checks ({@link AuditVerify}) over a whole topic, every
 * partition from its beginning, places named {@code topic/partition/offset}. Exit codes as the file
 * form: 0 intact, 1 tampered, 2 unusable (the cluster or the topic cannot be read).
 */
public final class KafkaVerify {

  private KafkaVerify() {}

  /**
   * @param anchorTopic the topic of {@code audit.integrity.anchor.kafka} on the same cluster, or null
   * @param properties  consumer settings (SASL, TLS), for both topics
   */
  public static int run(String bootstrap, String topic, Map<String, String> properties, List<Path> publicKeys,
      String anchor, String anchorToken, String anchorTopic, PrintStream out) {
    KafkaTrail trail = new KafkaTrail(bootstrap, topic, properties);
    KafkaTrail anchorTrail = anchorTopic == null ? null : new KafkaTrail(bootstrap, anchorTopic, properties);
    try {
      return AuditVerify.run(trail, publicKeys, anchor, anchorToken, anchorTrail, out);
    } finally {
      trail.close();
      if (anchorTrail != null) {
        anchorTrail.close();
      }
    }
  }
}
