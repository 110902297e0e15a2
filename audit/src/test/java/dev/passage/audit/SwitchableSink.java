package dev.passage.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A real file sink that fails every write and flush while {@link #down} is set, like a collector that went away. */
final class SwitchableSink implements AuditSink {

  volatile boolean down;
  private final JsonlFileSink file;

  SwitchableSink(Path path) throws IOException {
    this.file = new JsonlFileSink(path, 64L << 20, 1);
  }

  @Override
  public String describe() {
    return "switchable " + file.describe();
  }

  @Override
  public void write(List<byte[]> lines) throws IOException {
    if (down) {
      throw new IOException("connection refused (simulated)");
    }
    file.write(lines);
  }

  @Override
  public void flush() throws IOException {
    if (down) {
      throw new IOException("connection refused (simulated)");
    }
    file.flush();
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
