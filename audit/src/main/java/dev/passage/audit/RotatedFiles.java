package dev.passage.audit;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rotated files of one JSONL file. A full active file is renamed to {@code <name>.rotating.<N>}
 * (N grows with every rotation, so a rename never replaces a file still waiting); {@link
 * #complete(Path)} later compresses it into generation {@code <name>.1.gz}, the older generations
 * shifting to {@code .2.gz}, {@code .3.gz}, … As long as a {@code .rotating.<N>} file exists its
 * lines are not yet in a generation, so completion is retried (after a failure, or on the next start)
 * until it succeeds. No step deletes a line that is not already stored elsewhere, except retention:
 * with {@code maxFiles} set, generations beyond it are deleted, each one logged and counted.
 *
 * <p>{@code <name>.rotating} without a number is what versions before numbered rotation left
 * behind; it is older than any numbered one. The writer thread calls {@link #nextRotating()}, the
 * compressor thread everything else.
 */
final class RotatedFiles {

  private static final Logger LOG = LoggerFactory.getLogger(RotatedFiles.class);
  /** {@code maxFiles} meaning: never delete a generation. */
  static final int KEEP_ALL = 0;

  private final Path active;
  private final String rotatingPrefix;
  private final int maxFiles;
  private final AtomicLong deleted = new AtomicLong();
  private long nextSequence;

  RotatedFiles(Path active, int maxFiles) throws IOException {
    this.active = active;
    this.rotatingPrefix = active.getFileName() + ".rotating";
    this.maxFiles = maxFiles;
    List<Path> waiting = pending();
    this.nextSequence = waiting.isEmpty() ? 1 : sequence(waiting.get(waiting.size() - 1)) + 1;
  }

  /** A fresh name for the active file to be renamed to; never one that exists. */
  Path nextRotating() {
    return sibling(".rotating." + nextSequence++);
  }

  /** Generation {@code n}, 1 being the newest. */
  Path generation(int n) {
    return sibling("." + n + ".gz");
  }

  /** Renamed files waiting to be compressed, oldest first. */
  List<Path> pending() throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(active.getParent())) {
      files.filter(p -> sequence(p) >= 0).forEach(found::add);
    }
    found.sort(Comparator.comparingLong(this::sequence));
    return found;
  }

  /** Generations deleted by retention since this object was made. */
  long deletedGenerations() {
    return deleted.get();
  }

  /**
   * Compresses {@code rotating} into generation 1, shifting older generations, then deletes it.
   * Safe to call again after a failure or a crash at any step.
   */
  void complete(Path rotating) throws IOException {
    // A crash between storing generation 1 and deleting its source must not store the lines twice.
    if (!alreadyStored(rotating)) {
      shift();
      Path tmp = sibling(".1.gz.tmp");
      // Streamed, so compressing a file of any size costs one 64 KiB buffer.
      try (InputStream in = Files.newInputStream(rotating);
          FileOutputStream file = new FileOutputStream(tmp.toFile());
          GZIPOutputStream gzip = fastGzip(file)) {
        in.transferTo(gzip);
        gzip.finish();
        file.getFD().sync();
      }
      // Readers see either no generation 1 or a complete one, never a half-written archive.
      Files.move(tmp, generation(1), StandardCopyOption.ATOMIC_MOVE);
    }
    Files.delete(rotating);
  }

  /**
   * Moves generations 1..k up by one, k+1 being the first free number. A crash part way leaves one
   * gap, which the next shift closes instead of carrying it along.
   */
  private void shift() throws IOException {
    int free = 1;
    while (Files.exists(generation(free))) {
      free++;
    }
    for (int n = free - 1; n >= 1; n--) {
      Files.move(generation(n), generation(n + 1), StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** Deletes the generations past {@code maxFiles}, oldest first, each one logged and counted. */
  void retain() throws IOException {
    if (maxFiles == KEEP_ALL) {
      return;
    }
    int oldest = maxFiles;
    while (Files.exists(generation(oldest + 1))) {
      oldest++;
    }
    for (int n = oldest; n > maxFiles; n--) {
      Path victim = generation(n);
      // Named with when it was last written and its size, so the log says which records are gone.
      Instant written = Files.getLastModifiedTime(victim).toInstant();
      long bytes = Files.size(victim);
      Files.delete(victim);
      deleted.incrementAndGet();
      LOG.warn("audit retention (max_files: {}) deleted the generation {} (last written {}, {} bytes compressed)",
          maxFiles, victim, written, bytes);
    }
  }

  /**
   * Whether generation 1 already holds exactly the bytes of {@code rotating}: the gzip trailer's
   * CRC-32 and length match. Records carry unique ids and times, so two rotated files never match
   * by chance; the file is read only when the lengths agree.
   */
  private boolean alreadyStored(Path rotating) throws IOException {
    Path newest = generation(1);
    if (!Files.exists(newest) || Files.size(newest) < 18) {
      return false;
    }
    ByteBuffer trailer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(newest, StandardOpenOption.READ)) {
      long at = ch.size() - 8;
      while (trailer.hasRemaining()) {
        if (ch.read(trailer, at + trailer.position()) < 0) {
          return false;
        }
      }
    }
    trailer.flip();
    long crc = Integer.toUnsignedLong(trailer.getInt());
    int length = trailer.getInt();
    if (length != (int) Files.size(rotating)) {
      return false;
    }
    CRC32 sum = new CRC32();
    try (InputStream in = Files.newInputStream(rotating)) {
      byte[] buf = new byte[64 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        sum.update(buf, 0, n);
      }
    }
    return sum.getValue() == crc;
  }

  /** -1 when {@code p} is not a rotated file waiting; 0 for the unnumbered legacy one. */
  private long sequence(Path p) {
    String name = p.getFileName().toString();
    if (!name.startsWith(rotatingPrefix)) {
      return -1;
    }
    String rest = name.substring(rotatingPrefix.length());
    if (rest.isEmpty()) {
      return 0;
    }
    if (rest.length() < 2 || rest.length() > 19 || rest.charAt(0) != '.'
        || !rest.chars().skip(1).allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    return Long.parseLong(rest.substring(1));
  }

  private Path sibling(String suffix) {
    return active.resolveSibling(active.getFileName() + suffix);
  }

  /**
   * Level 1: audit JSON still shrinks several-fold, at a fraction of the default level's CPU. The
   * compressor shares the gateway's cores; at the default level, gzip of rotated files took a third
   * of a core under audited load and halved the requests one core could proxy (docs/benchmarks.md).
   */
  private static GZIPOutputStream fastGzip(java.io.OutputStream out) throws IOException {
    return new GZIPOutputStream(out, 64 * 1024) {
      {
        def.setLevel(java.util.zip.Deflater.BEST_SPEED);
      }
    };
  }
}
