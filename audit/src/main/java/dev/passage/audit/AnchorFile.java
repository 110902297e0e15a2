package dev.passage.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The anchor destination ({@code audit.integrity.anchor.path}): checkpoints appended, one per line,
 * each forced to disk, by every sink's delivery thread once its sink stored them. Kept apart from the
 * logs, it still holds the last checkpoints when someone cuts the logs' tail.
 */
final class AnchorFile implements AutoCloseable {

  private final Path path;
  private final FileChannel channel;

  AnchorFile(Path path) throws IOException {
    this.path = path.toAbsolutePath();
    Files.createDirectories(this.path.getParent());
    this.channel = FileChannel.open(this.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
  }

  /** Appends and forces the lines; several delivery threads share the file. */
  synchronized void append(List<byte[]> lines) throws IOException {
    for (byte[] line : lines) {
      ByteBuffer b = ByteBuffer.wrap(line);
      while (b.hasRemaining()) {
        channel.write(b);
      }
    }
    channel.force(false);
  }

  String describe() {
    return "audit anchor " + path;
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
