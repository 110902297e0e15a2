package dev.passage.audit;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
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
 */
public record IntegritySettings(PrivateKey signingKey, long checkpointEvery, Duration checkpointInterval, Path anchor) {

  public static final long DEFAULT_CHECKPOINT_EVERY = 10_000;
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(60);
  /** Chained records, no checkpoints. */
  public static final IntegritySettings CHAIN_ONLY =
      new IntegritySettings(null, DEFAULT_CHECKPOINT_EVERY, DEFAULT_CHECKPOINT_INTERVAL, null);

  public IntegritySettings {
    Objects.requireNonNull(checkpointInterval, "checkpointInterval");
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

  /** Whether checkpoints are signed and written. */
  public boolean signs() {
    return signingKey != null;
  }
}
