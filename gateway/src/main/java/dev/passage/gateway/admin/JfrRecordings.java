package dev.passage.gateway.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * Time-boxed JDK Flight Recorder recordings started over the admin API. Each recording holds disk
 * (its chunks in the JFR repository) until downloaded, so the number not yet downloaded is
 * limited. All methods block on disk: call them off the event loop.
 */
final class JfrRecordings {

  static final int MAX_SECONDS = 600;

  private final int maxPending;
  private final Map<Long, Recording> pending = new LinkedHashMap<>();
  private Path dir;

  /** @param maxPending recordings started and not yet downloaded; one more is refused */
  JfrRecordings(int maxPending) {
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending must be at least 1, got " + maxPending);
    }
    this.maxPending = maxPending;
  }

  /**
   * Starts a recording with JFR's "default" settings (about 1% overhead) that stops itself after
   * {@code seconds}.
   *
   * @throws LimitReachedException {@code maxPending} recordings wait for download
   */
  synchronized long start(int seconds) {
    if (seconds < 1 || seconds > MAX_SECONDS) {
      throw new IllegalArgumentException("seconds must be 1.." + MAX_SECONDS + ", got " + seconds);
    }
    if (pending.size() >= maxPending) {
      throw new LimitReachedException(pending.size() + " recordings not yet downloaded (limit " + maxPending
          + "); download them with GET /debug/jfr/{id} first");
    }
    Recording recording;
    try {
      recording = new Recording(Configuration.getConfiguration("default"));
    } catch (IOException | ParseException e) {
      throw new IllegalStateException("JFR configuration \"default\" unavailable: " + e.getMessage(), e);
    }
    recording.setName("passage-admin");
    recording.setToDisk(true);
    recording.setDuration(Duration.ofSeconds(seconds));
    recording.start();
    pending.put(recording.getId(), recording);
    return recording.getId();
  }

  /**
   * Writes a finished recording to a file and forgets it; the caller streams then deletes the file.
   *
   * @throws NoSuchElementException no such recording (or already downloaded)
   * @throws RecordingInProgressException still recording
   */
  synchronized Path take(long id) {
    Recording recording = pending.get(id);
    if (recording == null) {
      throw new NoSuchElementException("no recording " + id + " (unknown or already downloaded)");
    }
    if (recording.getState() != RecordingState.STOPPED) {
      throw new RecordingInProgressException(id, recording.getDuration());
    }
    pending.remove(id);
    try {
      Path file = directory().resolve("passage-" + id + ".jfr");
      // Dumping here, after JFR reported STOPPED, means the file is complete before anyone reads it.
      recording.dump(file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write recording " + id + ": " + e.getMessage(), e);
    } finally {
      recording.close();
    }
  }

  /** Stops and discards every recording and removes the download directory. */
  synchronized void close() {
    for (Recording recording : new ArrayList<>(pending.values())) {
      recording.close();
    }
    pending.clear();
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + dir + ": " + e.getMessage(), e);
    }
  }

  private Path directory() throws IOException {
    if (dir == null) {
      dir = Files.createTempDirectory("passage-jfr-");
    }
    return dir;
  }

  /** As many recordings as allowed wait for download; one must be fetched before another starts. */
  static final class LimitReachedException extends RuntimeException {
    LimitReachedException(String message) {
      super(message);
    }
  }

  /** The recording asked for has not reached its duration yet. */
  static final class RecordingInProgressException extends RuntimeException {
    RecordingInProgressException(long id, Duration duration) {
      super("recording " + id + " is still running (duration " + duration.toSeconds() + "s); try again later");
    }
  }
}
