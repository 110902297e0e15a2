package dev.passage.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The anchor file ({@code audit.integrity.anchor.path}): checkpoints appended, one per line, each
 * forced to disk, by the pipeline's anchor thread ({@link AnchorWriter}) once their sink stored them. Kept apart from the
 * logs, it still holds the last checkpoints when someone cuts the logs' tail.
 *
 * <p>A crash (or a failed write) can leave the file ending inside a line; the next append first ends
 * that fragment with a newline, so the checkpoints after it stay whole lines (verify skips the cut
 * one, and a retried append repeats lines, which is harmless: they attest the same).
 */
final class AnchorFile implements CheckpointAnchor {

  private final Path path;
  private final FileChannel channel;
  /** Whether the file may end inside a line: found so at open, or a write failed part-way. */
  private boolean midLine;

  AnchorFile(Path path) throws IOException {
    this.path = path.toAbsolutePath();
    Files.createDirectories(this.path.getParent());
    this.channel = FileChannel.open(this.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    this.midLine = endsInsideALine(this.path);
  }

  private static boolean endsInsideALine(Path file) throws IOException {
    try (FileChannel read = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = read.size();
      if (size == 0) {
        return false;
      }
      ByteBuffer last = ByteBuffer.allocate(1);
      read.read(last, size - 1);
      return last.get(0) != '\n';
    }
  }

  /** Appends and forces the lines. */
  @Override
  public synchronized void append(List<byte[]> lines) throws IOException {
    if (midLine) {
      ByteBuffer nl = ByteBuffer.wrap(new byte[] {'\n'});
      while (nl.hasRemaining()) {
        channel.write(nl);
      }
      midLine = false;
    }
    for (byte[] line : lines) {
      ByteBuffer b = ByteBuffer.wrap(line);
      try {
        while (b.hasRemaining()) {
          channel.write(b);
        }
      } catch (IOException e) {
        midLine = b.position() > 0; // part of this line is in the file
        throw e;
      }
    }
    channel.force(false);
  }

  @Override
  public String describe() {
    return "audit anchor " + path;
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
