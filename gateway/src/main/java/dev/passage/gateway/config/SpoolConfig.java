package dev.passage.gateway.config;

import dev.passage.audit.FsyncPolicy;
import dev.passage.audit.SpoolFullPolicy;
import dev.passage.audit.SpoolSettings;
import java.nio.file.Path;

/**
 * The audit spool ({@code audit.spool}): an on-disk write-ahead log that every record enters before
 * it counts as accepted, and that each sink reads from its own acknowledged position. Present means
 * on; absent (the default) means records wait in memory on their way to the sinks, as without it,
 * and are lost on a crash.
 *
 * @param dir           the directory of its segment and cursor files (required; created if missing).
 *                      One gateway per directory: a second process using it fails to start. Put it on
 *                      local disk, not on the same filesystem as anything that may fill it up
 * @param maxBytes      segment bytes on disk, at most (default 1073741824, 1 GiB; at least 1048576).
 *                      Past it, {@code on_full} decides
 * @param fsync         {@code batch} (default: every appended batch is forced to disk before its records
 *                      count as spooled; one fsync per batch, not per record), {@code interval} (at most
 *                      {@code fsync_interval} of records may be lost to a power cut; none to a crash)
 *                      or {@code none} (the operating system decides)
 * @param fsyncInterval with {@code fsync: interval} only: how long appended records may wait for a force
 *                      (default 1s)
 * @param onFull        {@code fail_closed} (default: while the spool is full or its disk fails, new requests
 *                      on audited routes get 503 and {@code /health/ready} is 503; no record is lost) or
 *                      {@code fail_open} (requests go on; each record that finds no room is lost, counted in
 *                      {@code passage_audit_spool_lost_records_total} and logged every 10 s)
 */
public record SpoolConfig(String dir, Long maxBytes, String fsync, String fsyncInterval, String onFull) {

  public SpoolConfig {
    maxBytes = maxBytes == null ? 1024L * 1024 * 1024 : maxBytes;
    fsync = fsync == null ? FsyncPolicy.BATCH.wireName() : fsync;
    onFull = onFull == null ? SpoolFullPolicy.FAIL_CLOSED.wireName() : onFull;
  }

  /** The spool's settings; call on a validated config. */
  public SpoolSettings settings() {
    return new SpoolSettings(Path.of(dir), maxBytes, FsyncPolicy.fromWireName(fsync),
        Durations.parse(fsyncInterval == null ? "1s" : fsyncInterval), SpoolFullPolicy.fromWireName(onFull));
  }
}
