package dev.passage.audit;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Tamper evidence for records delivered through the spool (docs/audit-record.md, "Integrity"). Every
 * record a sink stores is a link of that sink's hash chain; with a signing key, the sink's delivery
 * also writes signed checkpoints of its chain head every {@code checkpointEvery} records or
 * {@code checkpointInterval}, whichever comes first, and appends each checkpoint to {@code anchor}
 * once the sink stored it.
 *
 * @param signingKey         Ed25519 private key, or null: chain only, no checkpoints
 * @param checkpointEvery    records between checkpoints, at most (>= 1)
 * @param checkpointInterval time between checkpoints while records arrive, at most (> 0)
 * @param anchor             the file checkpoints are also appended to (kept apart from the logs), or null
 * @param earlierKeys        public halves of keys that signed this trail's checkpoints before a rotation
 *                           ({@code audit.integrity.public_keys}): published with the signing key's id on
 *                           {@code /audit/head}, and accepted for the anchor's last checkpoint at start
 */
public record IntegritySettings(PrivateKey signingKey, long checkpointEvery, Duration checkpointInterval, Path anchor,
    List<PublicKey> earlierKeys) {

  public static final long DEFAULT_CHECKPOINT_EVERY = 10_000;
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(60);
  /** Chained records, no checkpoints. */
  public static final IntegritySettings CHAIN_ONLY =
      new IntegritySettings(null, DEFAULT_CHECKPOINT_EVERY, DEFAULT_CHECKPOINT_INTERVAL, null, List.of());

  public IntegritySettings {
    Objects.requireNonNull(checkpointInterval, "checkpointInterval");
    earlierKeys = List.copyOf(earlierKeys);
    if (checkpointEvery < 1) {
      throw new IllegalArgumentException("checkpoint_every must be >= 1, got " + checkpointEvery);
    }
    if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
      throw new IllegalArgumentException("checkpoint_interval must be > 0, got " + checkpointInterval);
    }
    if (anchor != null && signingKey == null) {
      throw new IllegalArgumentException("an anchor needs a signing key: it holds signed checkpoints");
    }
  }

  /** No earlier keys: a trail signed with one key only. */
  public IntegritySettings(PrivateKey signingKey, long checkpointEvery, Duration checkpointInterval, Path anchor) {
    this(signingKey, checkpointEvery, checkpointInterval, anchor, List.of());
  }

  /** Whether checkpoints are signed and written. */
  public boolean signs() {
    return signingKey != null;
  }

  /** The signing key's id, then the earlier keys' ids (each once); empty without a signing key. */
  public List<String> keyIds() {
    List<String> ids = new ArrayList<>();
    if (signingKey != null) {
      ids.add(Ed25519Keys.keyId(Ed25519Keys.publicOf(signingKey)));
      for (PublicKey k : earlierKeys) {
        String id = Ed25519Keys.keyId(k);
        if (!ids.contains(id)) {
          ids.add(id);
        }
      }
    }
    return ids;
  }
}
