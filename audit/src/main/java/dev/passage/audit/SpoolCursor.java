package dev.passage.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * One sink's acknowledged position in the spool: everything before it is stored by that sink (a
 * flush succeeded). Persisted in {@code <key>.cursor} by write-to-temp, fsync, rename, so a crash
 * leaves the old position or the new one, never a torn one; a position that is too old only means
 * records are delivered again (duplicates, same id), never lost.
 */
final class SpoolCursor {

  static final String SUFFIX = ".cursor";

  final String key;
  final String sink;
  private final Path file;
  private final Path dir;
  /** In memory: advanced after each successful flush, even when persisting it failed (see {@link #store}). */
  private volatile long acknowledged;
  /** The sink's chain head at {@link #acknowledged}, or null when its records are not chained. */
  private volatile ChainHead head;

  SpoolCursor(Path dir, String key, String sink) {
    this.dir = dir;
    this.key = key;
    this.sink = sink;
    this.file = dir.resolve(key + SUFFIX);
  }

  /**
   * A file name part for a sink, stable across restarts as long as the sink is configured the same:
   * its description made file-safe plus a hash of it, so two sinks never share a cursor.
   */
  static String keyFor(String describe) {
    String safe = describe.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    if (safe.length() > 60) {
      safe = safe.substring(safe.length() - 60);
    }
    CRC32 crc = new CRC32();
    crc.update(describe.getBytes(StandardCharsets.UTF_8));
    return safe + "-" + String.format("%08x", crc.getValue());
  }

  /** The persisted position, or -1 when there is none (a sink new to this spool) or it is unreadable. */
  long load() throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      return -1;
    }
    // "<position> <crc32 of the position's text>", or with a chain head
    // "<position> <stream> <seq> <hash> <crc32 of all before it>": a file some tool mangled is not taken at its word.
    String[] parts = text.split(" ");
    if (parts.length != 2 && parts.length != 5) {
      return -1;
    }
    int crcAt = parts.length - 1;
    CRC32 crc = new CRC32();
    crc.update(text.substring(0, text.lastIndexOf(' ')).getBytes(StandardCharsets.US_ASCII));
    try {
      if (Long.parseLong(parts[crcAt], 16) != crc.getValue()) {
        return -1;
      }
      long position = Long.parseLong(parts[0]);
      head = parts.length == 5 ? new ChainHead(parts[1], Long.parseLong(parts[2]), parts[3]) : null;
      return position;
    } catch (IllegalArgumentException e) {
      return -1;
    }
  }

  /** The chain head stored with the cursor (after {@link #load}), or null: none stored, or records are not chained. */
  ChainHead head() {
    return head;
  }

  void head(ChainHead head) {
    this.head = head;
  }

  long acknowledged() {
    return acknowledged;
  }

  void acknowledged(long position) {
    acknowledged = position;
  }

  /**
   * Persists {@code position}, and the chain head at it when records are chained, atomically (temp
   * file, fsync, rename, fsync of the directory): a replay from this position re-links from this head
   * and so repeats the very bytes the sink may already hold.
   */
  void store(long position, ChainHead at) throws IOException {
    String p = at == null ? Long.toString(position)
        : position + " " + at.stream() + " " + at.seq() + " " + at.hash();
    CRC32 crc = new CRC32();
    crc.update(p.getBytes(StandardCharsets.US_ASCII));
    byte[] text = (p + " " + Long.toHexString(crc.getValue()) + "\n").getBytes(StandardCharsets.US_ASCII);
    Path tmp = dir.resolve(key + SUFFIX + ".tmp");
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(text);
      while (b.hasRemaining()) {
        out.write(b);
      }
      out.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    SpoolDirectory.force(dir);
  }
}
