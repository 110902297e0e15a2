package dev.passage.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Appends audit lines to a file and rotates it by size into gzip-compressed generations
 * ({@code audit.jsonl.1.gz} newest, at most {@code maxFiles} kept).
 *
 * <p>Lines are buffered (64 KiB) and reach the file on {@link #flush()}, which also fsyncs, or when
 * the buffer fills. A file holds at most {@code maxFileBytes} unless a single line is larger; such a
 * line gets a fresh file of its own. Every step keeps enough state to be retried after an
 * IOException without losing or repeating a line (see {@link AuditSink}). Not thread-safe: the
 * pipeline's writer thread is its only caller.
 */
public final class JsonlFileSink implements AuditSink {

  static final int BUFFER_BYTES = 64 * 1024;

  private final Path path;
  private final long maxFileBytes;
  private final RotatedFiles rotated;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
  /** A line too large for the buffer, accepted but not yet fully in the file; written before anything else. */
  private ByteBuffer direct;
  private FileChannel channel;
  /** Bytes of the active file: on disk, buffered, and in {@link #direct}. */
  private long size;
  /** The batch a failed write was working on, and how many of its lines were accepted. */
  private List<byte[]> partialBatch;
  private int partialDone;
  private boolean closed;

  /**
   * Opens (creating it and its parent directories) or appends to {@code path}, first finishing a
   * rotation an earlier process left half done.
   */
  public JsonlFileSink(Path path, long maxFileBytes, int maxFiles) throws IOException {
    if (maxFileBytes < 1024) {
      throw new IllegalArgumentException("audit file max size must be >= 1024 bytes, got " + maxFileBytes);
    }
    if (maxFiles < 1) {
      throw new IllegalArgumentException("audit max rotated files must be >= 1, got " + maxFiles);
    }
    this.path = path.toAbsolutePath();
    this.maxFileBytes = maxFileBytes;
    this.rotated = new RotatedFiles(this.path, maxFiles);
    Files.createDirectories(this.path.getParent());
    ensureOpen();
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
    int start = lines == partialBatch ? partialDone : 0;
    partialBatch = lines;
    partialDone = start;
    for (int i = start; i < lines.size(); i++) {
      byte[] line = lines.get(i);
      if (size > 0 && size + line.length > maxFileBytes) {
        rotate();
      }
      append(line);
      partialDone = i + 1;
    }
    partialBatch = null;
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
      if (channel != null) {
        channel.close();
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

  private void rotate() throws IOException {
    drain();
    channel.force(true);
    FileChannel full = channel;
    channel = null; // from here on a retry starts over from ensureOpen()
    full.close();
    Files.move(path, rotated.rotating(), StandardCopyOption.ATOMIC_MOVE);
    ensureOpen();
  }

  private void ensureOpen() throws IOException {
    if (channel != null) {
      return;
    }
    rotated.complete();
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
