package dev.passage.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Every configured sink's {@link SpoolCursor}, in config order: where each resumes at start (its
 * stored position, or the oldest record when it has none or it points outside the spool), the least
 * acknowledged position of all (what the spool must keep), and the persisting of a moved cursor,
 * whose failures are logged once per interval while they last.
 */
final class SpoolCursors {

  private final SpoolSegments segments;
  private final Map<String, SpoolCursor> cursors;
  private final AtomicLong diskErrors;
  private final RecurringFailureLog writes;

  private SpoolCursors(Path dir, SpoolSegments segments, Map<String, SpoolCursor> cursors, AtomicLong diskErrors) {
    this.segments = segments;
    this.cursors = cursors;
    this.diskErrors = diskErrors;
    this.writes = new RecurringFailureLog(AuditSpool.LOG, "audit spool " + dir + ": persisting a sink's cursor",
        SpoolRefusal.LOG_EVERY_NANOS);
  }

  /**
   * Loads the cursors of {@code sinks} (each {@code [key, description]}) and removes the cursor
   * files of sinks no longer configured, which would otherwise keep every segment forever.
   */
  static SpoolCursors open(Path dir, SpoolSegments segments, List<String[]> sinks, AtomicLong diskErrors)
      throws IOException {
    Map<String, SpoolCursor> open = new LinkedHashMap<>();
    long oldest = SpoolPosition.of(segments.firstSeq(), 0);
    for (String[] sink : sinks) {
      SpoolCursor c = new SpoolCursor(dir, sink[0], sink[1]);
      long at = c.load();
      if (at < 0) {
        at = oldest;
        if (segments.bytes() > 0) {
          AuditSpool.LOG.info("audit spool {}: {} has no cursor here (new sink, or its cursor file was lost); it gets "
              + "every record the spool still holds", dir, sink[1]);
        }
      } else if (at > segments.runStart()
          || !segments.contains(SpoolPosition.seq(at)) && SpoolPosition.seq(at) >= segments.firstSeq()) {
        AuditSpool.LOG.warn("audit spool {}: the cursor of {} points at {}, which is not in the spool; it starts again "
            + "at the oldest record (duplicates, not losses)", dir, sink[1], at);
        at = oldest;
      }
      c.acknowledged(Math.max(at, oldest));
      if (open.putIfAbsent(c.key, c) != null) {
        throw new IOException("two audit sinks would share the spool cursor " + c.key + " (" + sink[1]
            + "); give each sink its own path or topic");
      }
    }
    try (Stream<Path> list = Files.list(dir)) {
      for (Path f : list.filter(p -> p.getFileName().toString().endsWith(SpoolCursor.SUFFIX)).toList()) {
        String key = f.getFileName().toString();
        key = key.substring(0, key.length() - SpoolCursor.SUFFIX.length());
        if (!open.containsKey(key)) {
          AuditSpool.LOG.warn("audit spool {}: removing the cursor of a sink that is no longer configured ({})", dir,
              f.getFileName());
          Files.deleteIfExists(f);
        }
      }
    }
    return new SpoolCursors(dir, segments, open, diskErrors);
  }

  SpoolCursor get(String key) {
    return Objects.requireNonNull(cursors.get(key), key);
  }

  /** The cursor keys, in config order. */
  List<String> keys() {
    return List.copyOf(cursors.keySet());
  }

  /** The least acknowledged position over every sink: the spool keeps everything from here on. */
  long minAcknowledged() {
    long min = Long.MAX_VALUE;
    for (SpoolCursor c : cursors.values()) {
      min = Math.min(min, segments.normalize(c.acknowledged()));
    }
    return min;
  }

  /**
   * Moves {@code cursor} to {@code pos} (with the chain head there) and persists it. A cursor that
   * cannot be written is counted and logged; the position still counts in memory (the worst a stale
   * cursor file causes is a replay).
   */
  void advance(SpoolCursor cursor, long pos, ChainHead head) {
    try {
      cursor.store(pos, head);
      writes.succeeded();
    } catch (IOException e) {
      diskErrors.incrementAndGet();
      writes.failed("the cursor of " + cursor.sink + " stays where it was on disk, so after a restart that sink "
          + "gets records again (duplicates, not losses)", e);
    }
    cursor.acknowledged(pos);
    cursor.head(head);
  }
}
