package dev.passage.gateway.config;

import dev.passage.audit.Ed25519Keys;
import dev.passage.audit.IntegritySettings;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Signed checkpoints of the audit hash chain ({@code audit.integrity}; docs/audit-record.md,
 * "Integrity"). The chain itself is always on with a spool; this section adds signatures. On when
 * {@code signing_key} is set.
 *
 * @param signingKey         Ed25519 private key, PKCS#8 PEM (what {@code openssl genpkey -algorithm ed25519}
 *                           or {@code passage audit keygen} writes). Keep it readable by the gateway only,
 *                           and not where the audit files are
 * @param checkpointEvery    a checkpoint after at most this many records of a sink (default 10000)
 * @param checkpointInterval and at least this often while records arrive (default 60s); a graceful stop
 *                           writes a final one
 * @param anchor             where checkpoints are also appended, apart from the logs, so that a tail cut
 *                           after the last checkpoint in the logs is still detected (optional)
 * @param checkpointFailureTimeout {@code /health/ready} is 503 ({@code audit_checkpoints}) once checkpoints
 *                           could not be stored, in a sink or the anchor, for longer than this (default 60s)
 * @param publicKeys         PEM files of the public halves of keys that signed this trail before (a key
 *                           rotation): published on {@code /audit/head} with the signing key's id, and the
 *                           anchor's last checkpoint must be signed by one of them or by {@code signing_key},
 *                           so that a rotation is written down where verifiers find it (default none)
 */
public record IntegrityConfig(String signingKey, Long checkpointEvery, String checkpointInterval, AnchorConfig anchor,
    String checkpointFailureTimeout, List<String> publicKeys) {

  public IntegrityConfig {
    checkpointEvery = checkpointEvery == null ? IntegritySettings.DEFAULT_CHECKPOINT_EVERY : checkpointEvery;
    checkpointInterval = checkpointInterval == null ? "60s" : checkpointInterval;
    checkpointFailureTimeout = checkpointFailureTimeout == null ? "60s" : checkpointFailureTimeout;
    publicKeys = publicKeys == null ? List.of() : List.copyOf(publicKeys);
  }

  /** The settings, reading the key; call on a validated config. */
  public IntegritySettings settings() throws IOException {
    if (signingKey == null) {
      return IntegritySettings.CHAIN_ONLY;
    }
    List<PublicKey> earlier = new ArrayList<>();
    for (String file : publicKeys) {
      earlier.addAll(Ed25519Keys.readPublic(Path.of(file)));
    }
    return new IntegritySettings(Ed25519Keys.readPrivate(Path.of(signingKey)).key(), checkpointEvery,
        Durations.parse(checkpointInterval), anchor == null || anchor.path() == null ? null : Path.of(anchor.path()),
        earlier);
  }

  /**
   * The anchor destination: exactly one of the two.
   *
   * @param path  a file checkpoints are appended to (created with its directories); put it on another disk,
   *              host or under another owner than the audit files
   * @param kafka a Kafka topic each checkpoint is written to, one record each, keyed by its stream
   */
  public record AnchorConfig(String path, KafkaAnchorConfig kafka) {

    /** A file anchor. */
    public AnchorConfig(String path) {
      this(path, null);
    }
  }

  /**
   * A Kafka topic as the anchor. Use another topic than the trail's, and ideally another cluster or at
   * least ACLs under which the gateways may only write (and no one may delete records): whoever can
   * rewrite the trail's topic must not be able to rewrite this one.
   *
   * @param bootstrapServers {@code host:port[,host:port...]} (required)
   * @param topic            the anchor topic (required; Passage does not create it)
   * @param properties       producer settings passed verbatim (SASL, TLS); unknown names are errors, and
   *                         {@code acks} stays {@code all}
   */
  public record KafkaAnchorConfig(String bootstrapServers, String topic, java.util.Map<String, String> properties) {}
}
