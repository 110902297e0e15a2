package dev.passage.audit;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPOutputStream;

/**
 * The rotated, gzip-compressed generations of one JSONL file: {@code <name>.1.gz} (newest) up to
 * {@code <name>.<maxFiles>.gz}. A file being rotated is first renamed to {@code <name>.rotating};
 * as long as that file exists its lines are not yet in a generation, so {@link #complete()} is
 * retried (after a failure, or on the next start) until it succeeds. No step deletes a line that is
 * not already stored elsewhere.
 */
final class RotatedFiles {

  private final Path active;
  private final Path rotating;
  private final int maxFiles;

  RotatedFiles(Path active, int maxFiles) {
    this.active = active;
    this.rotating = sibling(".rotating");
    this.maxFiles = maxFiles;
  }

  /** Where the active file is renamed to before it is compressed. */
  Path rotating() {
    return rotating;
  }

  /** Generation {@code n}, 1 being the newest. */
  Path generation(int n) {
    return sibling("." + n + ".gz");
  }

  /** True while a renamed file still waits to be compressed. */
  boolean pending() {
    return Files.exists(rotating);
  }

  /** Compresses the renamed file into generation 1, shifting older generations and dropping the oldest. */
  void complete() throws IOException {
    if (!pending()) {
      return;
    }
    shift();
    Path target = generation(1);
    Path tmp = sibling(".1.gz.tmp");
    // Streamed, so compressing a file of any size costs one 64 KiB buffer.
    try (InputStream in = Files.newInputStream(rotating);
        FileOutputStream file = new FileOutputStream(tmp.toFile());
        GZIPOutputStream gzip = new GZIPOutputStream(file, 64 * 1024)) {
      in.transferTo(gzip);
      gzip.finish();
      file.getFD().sync();
    }
    // Readers see either no generation 1 or a complete one, never a half-written archive.
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    Files.delete(rotating);
  }

  private void shift() throws IOException {
    if (!Files.exists(generation(1))) {
      return; // a previous attempt already shifted; shifting again would drop a generation early
    }
    for (int n = maxFiles; n >= 1; n--) {
      Path from = generation(n);
      if (!Files.exists(from)) {
        continue;
      }
      if (n == maxFiles) {
        Files.delete(from);
      } else {
        Files.move(from, generation(n + 1), StandardCopyOption.ATOMIC_MOVE);
      }
    }
  }

  private Path sibling(String suffix) {
    return active.resolveSibling(active.getFileName() + suffix);
  }
}
