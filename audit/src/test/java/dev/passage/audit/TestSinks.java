package dev.passage.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Sinks with the behaviour a test needs, all writing a real file through {@link JsonlFileSink}. */
final class TestSinks {

  private TestSinks() {}

  /** Sleeps before each batch, like a slow disk or remote collector. */
  static AuditSink slow(Path file, long sleepMsPerBatch) throws IOException {
    return new Wrapping(new JsonlFileSink(file, 64L << 20, 1)) {
      @Override
      void beforeWrite() throws IOException {
        try {
          Thread.sleep(sleepMsPerBatch);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    };
  }

  /** Fails its first {@code failures} writes, then works. */
  static AuditSink failingFirst(Path file, int failures) throws IOException {
    int[] left = {failures};
    return new Wrapping(new JsonlFileSink(file, 64L << 20, 1)) {
      @Override
      void beforeWrite() throws IOException {
        if (left[0] > 0) {
          left[0]--;
          throw new IOException("disk full (simulated)");
        }
      }
    };
  }

  /** Counts the batches it is handed in {@code batches}. */
  static AuditSink counting(Path file, java.util.concurrent.atomic.AtomicInteger batches) throws IOException {
    return new Wrapping(new JsonlFileSink(file, 64L << 20, 1)) {
      @Override
      void beforeWrite() {
        batches.incrementAndGet();
      }
    };
  }

  /** Waits for {@code gate} before its first write: holds the writer thread mid-batch. */
  static AuditSink gated(Path file, CountDownLatch gate) throws IOException {
    return new Wrapping(new JsonlFileSink(file, 64L << 20, 1)) {
      @Override
      void beforeWrite() throws IOException {
        try {
          gate.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
    };
  }

  /** Never accepts a write. */
  static AuditSink broken() {
    return new AuditSink() {
      @Override
      public String describe() {
        return "broken sink";
      }

      @Override
      public void write(List<byte[]> lines) throws IOException {
        throw new IOException("connection refused (simulated)");
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
  }

  /** Takes every write into memory but can never store it: flush and close always fail, like a full disk. */
  static AuditSink neverStores() {
    return new AuditSink() {
      @Override
      public String describe() {
        return "full disk (simulated)";
      }

      @Override
      public void write(List<byte[]> lines) {}

      @Override
      public void flush() throws IOException {
        throw new IOException("No space left on device (simulated)");
      }

      @Override
      public void close() throws IOException {
        throw new IOException("No space left on device (simulated)");
      }
    };
  }

  /** The ids of the lines in {@code file}, in order. */
  static List<String> ids(Path file) throws IOException {
    List<String> ids = new ArrayList<>();
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file)) {
        ids.add(AuditRecordJson.fromLine(line).id());
      }
    }
    return ids;
  }

  private abstract static class Wrapping implements AuditSink {
    private final AuditSink delegate;

    Wrapping(AuditSink delegate) {
      this.delegate = delegate;
    }

    abstract void beforeWrite() throws IOException;

    @Override
    public String describe() {
      return "test " + delegate.describe();
    }

    @Override
    public void write(List<byte[]> lines) throws IOException {
      beforeWrite();
      delegate.write(lines);
    }

    @Override
    public void flush() throws IOException {
      delegate.flush();
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
