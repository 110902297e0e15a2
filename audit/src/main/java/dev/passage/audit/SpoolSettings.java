package dev.passage.audit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The spool's limits and policies, checked here so that a spool never runs with a value it would
 * have to clamp.
 *
 * @param dir           where segment and cursor files live; one gateway process per directory (a lock file enforces it)
 * @param maxBytes      segment bytes on disk, at most (>= {@link #MIN_MAX_BYTES}); the full point of {@code onFull}
 * @param fsync         when appended records are forced to disk
 * @param fsyncInterval with {@link FsyncPolicy#INTERVAL}: how long appended bytes may wait for a force (> 0)
 * @param onFull        what happens when a record does not fit or the disk fails
 */
public record SpoolSettings(Path dir, long maxBytes, FsyncPolicy fsync, Duration fsyncInterval, SpoolFullPolicy onFull) {

  /** Below this, a handful of large records (bodies up to max_body_bytes both ways) fill the spool. */
  public static final long MIN_MAX_BYTES = 1024 * 1024;
  /** Segments are at most this large (unless one batch is larger), so a drained one is deleted soon. */
  static final long MAX_SEGMENT_BYTES = 64L * 1024 * 1024;

  public SpoolSettings {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(fsync, "fsync");
    Objects.requireNonNull(fsyncInterval, "fsyncInterval");
    Objects.requireNonNull(onFull, "onFull");
    if (maxBytes < MIN_MAX_BYTES) {
      throw new IllegalArgumentException("audit spool max bytes must be >= " + MIN_MAX_BYTES + ", got " + maxBytes);
    }
    if (fsyncInterval.isNegative() || fsyncInterval.isZero()) {
      throw new IllegalArgumentException("audit spool fsync interval must be > 0, got " + fsyncInterval);
    }
  }

  /**
   * An eighth of {@code maxBytes} (at most 64 MiB): the active segment is never deleted, so this is
   * the most of the spool that fully delivered records can hold before the next roll frees it.
   */
  long segmentBytes() {
    return Math.min(MAX_SEGMENT_BYTES, maxBytes / 8);
  }
}
