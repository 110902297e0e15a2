package dev.passage.audit.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a Kafka cluster refuses as too large ({@code RecordTooLargeException}: larger than the
 * producer's {@code max.request.size}, or than the topic's {@code max.message.bytes} once compressed).
 * No retry can deliver one, and retrying it forever would stall every record behind it. Each is set
 * aside instead: kept whole in a local file (appended and forced before anything else happens, so a
 * record is never only in memory), counted, logged, and replaced in the topic by a small stand-in
 * with the same id and key, so a consumer still sees every id and learns where the record went.
 * Used by its sink's single writer thread; the count may be read from any thread.
 */
final class OversizeRecords implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OversizeRecords.class);
  private static final JsonFactory JSON = new JsonFactory();
  /** Set aside records are logged one by one at first, then at most once per interval with a count. */
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final String sink;
  private final String topic;
  private final int maxRequestSize;
  /** Where the records are kept; null: nowhere (then only the stand-in remains, and the log says so). */
  private final Path file;
  private FileChannel channel;
  private final AtomicLong setAside = new AtomicLong();
  private long loggedNanos;
  private long sinceLogged;

  OversizeRecords(String sink, String topic, int maxRequestSize, Path file) {
    this.sink = sink;
    this.topic = topic;
    this.maxRequestSize = maxRequestSize;
    this.file = file;
  }

  /** Records set aside since start. */
  long count() {
    return setAside.get();
  }

  /**
   * Keeps {@code value} (a record's JSON) whole in the file and returns the stand-in's JSON to send in
   * its place. Throws when the file cannot take it: then nothing is set aside and the caller keeps
   * the record to try again, as it does any failed send.
   */
  byte[] setAside(String id, byte[] value, Exception refusal) throws IOException {
    if (file != null) {
      keep(value);
    }
    long n = setAside.incrementAndGet();
    long now = System.nanoTime();
    if (loggedNanos == 0 || now - loggedNanos >= LOG_EVERY_NANOS) {
      LOG.error("audit record {} ({} bytes) refused by {} as too large ({}). {}; a stand-in with its id takes its place "
          + "in the topic. Give topic {} max.message.bytes of at least {} ({} set aside since start, {} since the last "
          + "report)", id, value.length, sink, String.valueOf(refusal.getMessage()).replaceAll("\\.+$", ""),
          file == null ? "It is NOT kept (no audit.spool, so no place for it); other sinks may hold it" : "Kept whole in " + file,
          topic, maxRequestSize, n, sinceLogged + 1);
      loggedNanos = now;
      sinceLogged = 0;
    } else {
      sinceLogged++;
    }
    return standIn(id, value, refusal);
  }

  private void keep(byte[] value) throws IOException {
    if (channel == null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }
    ByteBuffer line = ByteBuffer.allocate(value.length + 1).put(value).put((byte) '\n').flip();
    while (line.hasRemaining()) {
      channel.write(line);
    }
    channel.force(false);
  }

  /**
   * {@code {"type":"rejected","id":…,"reason":"too_large","bytes":…,"sha256":…,"kept_in":…,"error":…}}:
   * {@code sha256} is the digest of the record's JSON as it would have been sent, which is the line
   * kept in {@code kept_in} without its newline.
   */
  private byte[] standIn(String id, byte[] value, Exception refusal) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("type", "rejected");
      g.writeStringField("id", id);
      g.writeStringField("reason", "too_large");
      g.writeNumberField("bytes", value.length);
      g.writeStringField("sha256", sha256(value));
      g.writeStringField("kept_in", file == null ? null : file.toString());
      g.writeStringField("error", String.valueOf(refusal.getMessage()));
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  private static String sha256(byte[] value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public void close() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("closing {} failed; every record in it was forced before", file, e);
      }
    }
  }
}
