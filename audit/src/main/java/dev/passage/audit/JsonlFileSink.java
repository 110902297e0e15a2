package dev.passage.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends audit lines to a file and rotates it by size into gzip-compressed generations
 * ({@code audit.jsonl.1.gz} newest). By default every generation is kept; with {@code maxFiles}
 * the ones past it are deleted, each logged and counted ({@link #deletedGenerations()}).
 *
 * <p>Lines are buffered (64 KiB) and reach the file on {@link #flush()}, which also fsyncs, or when
 * the buffer fills. A file holds at most {@code maxFileBytes} unless a single line is larger; such a
 * line gets a fresh file of its own. Every step keeps enough state to be retried after an
 * IOException without losing or repeating a line (see {@link AuditSink}). Not thread-safe: the
 * pipeline's writer thread is its only caller.
 *
 * <p>Rotation only renames the full file ({@code <name>.rotating.<N>}) and goes on with a fresh
 * one; the sink's own {@code passage-audit-compress} thread gzips it, so the writer never waits for
 * compression. While {@code maxPendingRotations} renamed files still wait for it, rotation is
 * deferred instead: the active file grows past its limit until the compressor catches up
 * ({@link #deferredRotations()}), and nothing waits or is lost.
 */
public final class JsonlFileSink implements AuditSink {

  private static final Logger LOG = LoggerFactory.getLogger(JsonlFileSink.class);
  static final int BUFFER_BYTES = 64 * 1024;
  /** Rotated files that may wait for compression at once: each holds up to {@code maxFileBytes} uncompressed. */
  public static final int DEFAULT_MAX_PENDING_ROTATIONS = 4;

  private final Path path;
  private final long maxFileBytes;
  private final int maxPendingRotations;
  private final RotatedFiles rotated;
  private final RotationCompressor compressor;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
  private final AtomicLong deferredRotations = new AtomicLong();
  /** A line too large for the buffer, accepted but not yet fully in the file; written before anything else. */
  private ByteBuffer direct;
  private FileChannel channel;
  /** Bytes of the active file: on disk, buffered, and in {@link #direct}. */
  private long size;
  /** How far a failed write got into its batch. */
  private final BatchProgress progress = new BatchProgress();
  /** A rotation is being deferred (logged once per episode). */
  private boolean deferring;
  private boolean closed;

  /**
   * Opens (creating it and its parent directories) or appends to {@code path}, keeping every
   * rotated generation. Rotated files an earlier process left uncompressed are compressed in the
   * background.
   */
  public JsonlFileSink(Path path, long maxFileBytes) throws IOException {
    this(path, maxFileBytes, RotatedFiles.KEEP_ALL, DEFAULT_MAX_PENDING_ROTATIONS);
  }

  /** As {@link #JsonlFileSink(Path, long)}, keeping at most {@code maxFiles} (>= 1) generations. */
  public JsonlFileSink(Path path, long maxFileBytes, int maxFiles) throws IOException {
    this(path, maxFileBytes, checkMaxFiles(maxFiles), DEFAULT_MAX_PENDING_ROTATIONS);
  }

  JsonlFileSink(Path path, long maxFileBytes, int maxFiles, int maxPendingRotations) throws IOException {
    if (maxFileBytes < 1024) {
      throw new IllegalArgumentException("audit file max size must be >= 1024 bytes, got " + maxFileBytes);
    }
    if (maxPendingRotations < 1) {
      throw new IllegalArgumentException("audit pending rotations must be >= 1, got " + maxPendingRotations);
    }
    this.path = path.toAbsolutePath();
    this.maxFileBytes = maxFileBytes;
    this.maxPendingRotations = maxPendingRotations;
    Files.createDirectories(this.path.getParent());
    this.rotated = new RotatedFiles(this.path, maxFiles);
    this.compressor = new RotationCompressor(rotated, describe());
    ensureOpen();
    terminatePartialLine();
    compressor.start(); // last: a constructor that throws leaves no thread behind
  }

  private static int checkMaxFiles(int maxFiles) {
    if (maxFiles < 1) {
      throw new IllegalArgumentException("audit max rotated files must be >= 1, got " + maxFiles);
    }
    return maxFiles;
  }

  /** Generations deleted by retention ({@code maxFiles}) since the sink was opened. */
  public long deletedGenerations() {
    return rotated.deletedGenerations();
  }

  /** Rotated files waiting for the compressor now. */
  public int pendingRotations() {
    return compressor.pending();
  }

  /** Times rotation was put off (counted once per episode) because {@code maxPendingRotations} files still waited. */
  public long deferredRotations() {
    return deferredRotations.get();
  }

  /** Failed compression attempts (each is retried; the rotated file keeps its lines meanwhile). */
  public long compressionErrors() {
    return compressor.errors();
  }

  @Override
  public String describe() {
    return "jsonl file " + path;
  }

  @Override
  public void write(List<byte[]> lines) throws IOException {
    if (closed) {
      throw new IOException(describe() + " is closed");
    }
    ensureOpen();
    for (int i = progress.start(lines); i < lines.size(); i++) {
      byte[] line = lines.get(i);
      if (size > 0 && size + line.length > maxFileBytes && mayRotate()) {
        rotate();
      }
      append(line);
      progress.stored(i);
    }
    progress.finished();
  }

  @Override
  public void flush() throws IOException {
    if (closed) {
      return;
    }
    ensureOpen();
    drain();
    channel.force(false);
  }

  /**
   * Flushes and closes the file, then waits for the compressor to finish what is pending (an
   * interrupt ends the wait; the rest is completed at the next start).
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    try {
      if (channel != null) {
        drain();
        channel.force(true);
      }
    } finally {
      closed = true;
      try {
        if (channel != null) {
          channel.close();
        }
      } finally {
        compressor.close();
      }
    }
  }

  private void append(byte[] line) throws IOException {
    drainDirect();
    if (line.length <= buffer.remaining()) {
      buffer.put(line);
    } else {
      drainBuffer();
      if (line.length <= buffer.capacity()) {
        buffer.put(line);
      } else {
        // Accepted now, written by the next drain: a failure there must not make the retry add it twice.
        direct = ByteBuffer.wrap(line);
      }
    }
    size += line.length;
  }

  /** False while too many rotated files wait for the compressor: the active file grows meanwhile. */
  private boolean mayRotate() {
    if (compressor.pending() < maxPendingRotations) {
      deferring = false;
      return true;
    }
    if (!deferring) {
      deferring = true;
      deferredRotations.incrementAndGet();
      LOG.warn("{} rotated audit files of {} still wait to be compressed; the active file grows past {} bytes "
          + "until the compressor catches up", compressor.pending(), path, maxFileBytes);
    }
    return false;
  }

  private void rotate() throws IOException {
    drain();
    channel.force(true);
    FileChannel full = channel;
    channel = null; // from here on a retry starts over from ensureOpen()
    full.close();
    // A fresh name each time: a rename never replaces a rotated file the compressor has not done yet.
    Files.move(path, rotated.nextRotating(), StandardCopyOption.ATOMIC_MOVE);
    compressor.handOver();
    ensureOpen();
  }

  /**
   * A process killed while draining the buffer can leave the file ending inside a line. The next
   * line would be appended to that fragment and both be lost to readers; ending the fragment with
   * its own newline keeps the next line whole. (With a spool the torn record was never acknowledged
   * and arrives again; {@code audit verify} reports such a fragment followed by a replay as a torn
   * write, not tampering.)
   */
  private void terminatePartialLine() throws IOException {
    if (size == 0) {
      return;
    }
    ByteBuffer last = ByteBuffer.allocate(1);
    int read;
    try (FileChannel reader = FileChannel.open(path, StandardOpenOption.READ)) { // APPEND channels cannot read
      read = reader.read(last, size - 1);
    }
    if (read == 1 && last.get(0) != '\n') {
      LOG.warn("{} ends inside a line (a write cut by a crash); ending it with a newline before appending", path);
      ByteBuffer nl = ByteBuffer.wrap(new byte[] {'\n'});
      while (nl.hasRemaining()) {
        channel.write(nl);
      }
      size++;
    }
  }

  private void ensureOpen() throws IOException {
    if (channel != null) {
      return;
    }
    channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    size = channel.size();
  }

  private void drain() throws IOException {
    drainBuffer();
    drainDirect();
  }

  private void drainBuffer() throws IOException {
    buffer.flip();
    try {
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    } finally {
      buffer.compact(); // keeps what was not written, so a retry resumes exactly there
    }
  }

  private void drainDirect() throws IOException {
    if (direct == null) {
      return;
    }
    while (direct.hasRemaining()) {
      channel.write(direct);
    }
    direct = null;
  }
}
