package dev.passage.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * One spool file: frames appended by the writer thread, read by delivery threads with positional
 * reads (which the JDK lets run beside the writer's). A frame is a 16-byte header (payload length,
 * CRC32C of the rest, append time in epoch milliseconds) and the record's JSON line. The CRC is what
 * tells a torn tail after a crash from a record: the first frame that does not check out ends the
 * segment.
 */
final class SpoolSegment {

  static final int HEADER_BYTES = 16;
  static final String SUFFIX = ".spool";

  final long seq;
  final Path path;
  private final FileChannel channel;
  /** Valid bytes: whole frames appended or recovered. Past it the file may hold a failed write. */
  private volatile long size;
  /** Takes no more appends: rolled, recovered from a previous run, or a failed write could not be cut off. */
  private volatile boolean sealed;

  private SpoolSegment(long seq, Path path, FileChannel channel, long size, boolean sealed) {
    this.seq = seq;
    this.path = path;
    this.channel = channel;
    this.size = size;
    this.sealed = sealed;
  }

  static String fileName(long seq) {
    return String.format("%020d%s", seq, SUFFIX);
  }

  /** The sequence number a segment file name carries, or -1 when it is not a segment file. */
  static long seqOf(Path file) {
    String name = file.getFileName().toString();
    if (!name.endsWith(SUFFIX) || name.length() != 20 + SUFFIX.length()) {
      return -1;
    }
    try {
      return Long.parseLong(name.substring(0, 20));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A new, empty segment for appending; fails if the file exists (a sequence number is never reused). */
  static SpoolSegment create(Path dir, long seq) throws IOException {
    Path path = dir.resolve(fileName(seq));
    FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    return new SpoolSegment(seq, path, channel, 0, false);
  }

  /**
   * A segment of an earlier run, sealed. With {@code scan}, every frame is checked and the file is
   * cut after the last whole one (a write the crash tore); the cut bytes are returned through
   * {@code cut[0]}. Without, its size is taken as is and readers stop at a bad frame.
   */
  static SpoolSegment recover(Path path, long seq, boolean scan, long[] cut) throws IOException {
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      long fileSize = channel.size();
      SpoolSegment s = new SpoolSegment(seq, path, channel, fileSize, true);
      if (scan) {
        long valid = 0;
        for (byte[] line; (line = s.read(valid, fileSize)) != null; ) {
          valid += HEADER_BYTES + line.length;
        }
        if (valid < fileSize) {
          channel.truncate(valid);
          channel.force(true);
          s.size = valid;
          cut[0] = fileSize - valid;
        }
      }
      return s;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  long size() {
    return size;
  }

  boolean sealed() {
    return sealed;
  }

  void seal() {
    sealed = true;
  }

  /** Frame bytes for {@code line}. */
  static int frameBytes(byte[] line) {
    return HEADER_BYTES + line.length;
  }

  /** Writes one frame into {@code out}, which has room for it. */
  static void putFrame(ByteBuffer out, byte[] line, long appendMillis, CRC32C crc) {
    crc.reset();
    ByteBuffer millis = ByteBuffer.allocate(8).putLong(0, appendMillis);
    crc.update(millis);
    crc.update(line);
    out.putInt(line.length).putInt((int) crc.getValue()).putLong(appendMillis).put(line);
  }

  /**
   * Writer thread: appends {@code frames} whole at the end. On failure the partial write is cut off
   * again; if even that fails, the segment is sealed at its old size (its torn tail is never read:
   * readers stop at {@link #size()}, and at the next start the CRC stops them) and the caller rolls.
   */
  void append(ByteBuffer frames) throws IOException {
    if (sealed) {
      throw new IOException("spool segment " + path + " is sealed");
    }
    long before = size;
    long at = before;
    try {
      while (frames.hasRemaining()) {
        at += channel.write(frames, at);
      }
    } catch (IOException e) {
      try {
        channel.truncate(before);
      } catch (IOException | RuntimeException cut) {
        e.addSuppressed(cut);
        sealed = true;
      }
      throw e;
    }
    size = at;
  }

  void force() throws IOException {
    channel.force(false);
  }

  /**
   * The line of the frame at {@code offset}, or null when no whole, intact frame starts there
   * before {@code end} (the end of the segment, or a torn or corrupt frame).
   */
  byte[] read(long offset, long end) throws IOException {
    if (end - offset < HEADER_BYTES) {
      return null;
    }
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
    readFully(header, offset);
    int length = header.getInt(0);
    int expectedCrc = header.getInt(4);
    if (length < 1 || length > end - offset - HEADER_BYTES) {
      return null;
    }
    byte[] line = new byte[length];
    readFully(ByteBuffer.wrap(line), offset + HEADER_BYTES);
    CRC32C crc = new CRC32C();
    crc.update(header.array(), 8, 8);
    crc.update(line);
    return (int) crc.getValue() == expectedCrc ? line : null;
  }

  /** The append time of the frame at {@code offset} (checked by the caller to be a frame start). */
  long appendMillis(long offset) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
    readFully(header, offset);
    return header.getLong(8);
  }

  private void readFully(ByteBuffer into, long at) throws IOException {
    while (into.hasRemaining()) {
      int n = channel.read(into, at);
      if (n < 0) {
        throw new IOException("spool segment " + path + " ends before its recorded size");
      }
      at += n;
    }
  }

  void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing a file we only read or already forced: nothing of value is lost.
    }
  }

  /** Closes and removes the file: every sink acknowledged all of it. */
  void delete() throws IOException {
    close();
    Files.deleteIfExists(path);
  }
}
