package dev.passage.audit.kafka;

import dev.passage.audit.AuditSink;
import dev.passage.audit.BatchProgress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends audit lines to a Kafka topic with the official producer, one Kafka record per line: the
 * value is the line's JSON (without its newline), the key the configured record field ({@code
 * route} by default, so a route's records keep their order in one partition), and the headers
 * {@code passage-record-id} and {@code passage-schema-version}.
 *
 * <p>Delivery: {@link #write} only hands lines to the producer, which batches and sends them in the
 * background; {@link #flush} waits until the broker has acknowledged every line handed over since
 * the last successful flush, and throws if any was not. The pipeline counts a line as written only
 * after a flush succeeded, so "written" means "acknowledged by the broker" (with {@code acks=all}:
 * by every in-sync replica). A failed line is kept and sent again by the next flush (the pipeline
 * retries a failing flush with backoff), so nothing is lost while the process lives; a line whose
 * send timed out may still have reached the broker, so a retry can deliver it twice: duplicates
 * carry the same record id. A re-sent line may arrive after lines sent after it, so a route's order
 * holds except across a failure.
 *
 * <p>Bounded waits: {@code send()} waits at most {@code max.block.ms} for metadata or buffer space,
 * and a flush at most about {@code delivery.timeout.ms}, after which every unacknowledged batch has
 * failed; both run on the audit writer thread, never on an event loop. Lines waiting for
 * acknowledgement are bounded too ({@link #MAX_UNACKNOWLEDGED_BYTES}): past it a write first waits
 * for the broker, as a flush does. Not thread-safe: the pipeline's writer thread is its only caller;
 * the counters may be read from any thread.
 */
public final class KafkaSink implements AuditSink {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
  /** The schema of the record JSON (docs/audit-record.md); changes when a field changes meaning. */
  public static final String SCHEMA_VERSION = "1";
  public static final String HEADER_RECORD_ID = "passage-record-id";
  public static final String HEADER_SCHEMA_VERSION = "passage-schema-version";
  /** Line bytes held for re-sending until acknowledged; the producer's own buffer is 32 MiB too. */
  static final long MAX_UNACKNOWLEDGED_BYTES = 32L * 1024 * 1024;
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  private static final byte[] SCHEMA_VERSION_BYTES = SCHEMA_VERSION.getBytes(StandardCharsets.UTF_8);

  private final KafkaSinkSettings settings;
  private final Producer<byte[], byte[]> producer;
  private final RecordFields fields;
  /** Lines handed to the producer and not yet acknowledged, oldest first. */
  private final List<Pending> pending = new ArrayList<>();
  private long pendingBytes;
  /** Lines handed over whose latest send has not succeeded: +1 when handed over, -1 when the broker acknowledges it. */
  private final AtomicInteger unacknowledged = new AtomicInteger();
  private final Callback acknowledged = (metadata, failure) -> {
    if (failure == null) {
      unacknowledged.decrementAndGet();
    }
  };
  private final AtomicLong failedSends = new AtomicLong();
  /** How far a failed write got into its batch (lines handed over are not sent again). */
  private final BatchProgress progress = new BatchProgress();
  private boolean closed;

  /** Creates the producer; it connects lazily, so a cluster that is down does not stop the gateway starting. */
  public KafkaSink(KafkaSinkSettings settings) throws IOException {
    this.settings = settings;
    this.fields = new RecordFields(settings.keyField());
    try {
      this.producer = new KafkaProducer<>(settings.producerConfig());
    } catch (KafkaException e) {
      throw new IOException("cannot create the Kafka producer for " + describe() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String describe() {
    return "kafka topic " + settings.topic() + " at " + settings.bootstrapServers();
  }

  /** Lines handed to the producer and not yet acknowledged by the broker (including failed ones waiting to be re-sent). */
  public int unacknowledged() {
    return unacknowledged.get();
  }

  /** Sends the broker did not acknowledge (each one is re-sent; a line may fail more than once). */
  public long failedSends() {
    return failedSends.get();
  }

  @Override
  public void write(List<byte[]> lines) throws IOException {
    if (closed) {
      throw new IOException(describe() + " is closed");
    }
    // A retry passes the same list: lines already handed over are not sent again.
    for (int i = progress.start(lines); i < lines.size(); i++) {
      if (pendingBytes >= MAX_UNACKNOWLEDGED_BYTES) {
        settle();
      }
      Pending p = new Pending(toRecord(lines.get(i)));
      unacknowledged.incrementAndGet();
      try {
        send(p);
      } catch (IOException e) {
        unacknowledged.decrementAndGet(); // not handed over: the retry of this write sends it
        throw e;
      }
      pending.add(p);
      pendingBytes += p.record.value().length;
      progress.stored(i);
    }
    progress.finished();
  }

  @Override
  public void flush() throws IOException {
    if (closed) {
      return;
    }
    settle();
  }

  /**
   * Sends what is pending and waits at most {@link #CLOSE_TIMEOUT}; throws (so the pipeline counts
   * those lines as dropped) when some line was still not acknowledged.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      resendFailed();
    } catch (IOException e) {
      LOG.warn("re-sending failed audit records to {} on close failed", describe(), e);
    }
    try {
      producer.close(CLOSE_TIMEOUT);
    } catch (KafkaException e) {
      LOG.warn("closing the Kafka producer for {} failed", describe(), e);
    }
    collect();
    if (!pending.isEmpty()) {
      throw new IOException(pending.size() + " audit records were not acknowledged by " + describe()
          + " within " + CLOSE_TIMEOUT.toSeconds() + " s of closing");
    }
  }

  /**
   * Re-sends failed lines, makes the producer send everything now ({@code producer.flush()} returns
   * when every batch was acknowledged or failed, at most about {@code delivery.timeout.ms}), then
   * forgets the acknowledged lines. Throws when any line failed; those stay pending.
   */
  private void settle() throws IOException {
    if (pending.isEmpty()) {
      return;
    }
    resendFailed();
    try {
      producer.flush();
    } catch (KafkaException e) {
      throw new IOException("flushing to " + describe() + " failed: " + e.getMessage(), e);
    }
    Exception first = collect();
    if (first != null) {
      throw failure(first);
    }
  }

  /** Drops acknowledged lines from {@link #pending}; returns the first new failure among the finished rest. */
  private Exception collect() {
    Exception first = null;
    int failed = 0;
    int kept = 0;
    // Compacts in place: an outage can leave many thousands pending, and removing one by one is quadratic.
    for (int i = 0; i < pending.size(); i++) {
      Pending p = pending.get(i);
      Exception e = p.future.isDone() ? failureOf(p.future) : null;
      if (p.future.isDone() && e == null) {
        pendingBytes -= p.record.value().length;
        continue;
      }
      if (e != null && !p.failureCounted) {
        p.failureCounted = true;
        failed++;
        first = first == null ? e : first;
      }
      pending.set(kept++, p);
    }
    pending.subList(kept, pending.size()).clear();
    failedSends.addAndGet(failed);
    return first;
  }

  private void resendFailed() throws IOException {
    for (Pending p : pending) {
      if (p.future.isDone() && failureOf(p.future) != null) {
        send(p);
      }
    }
  }

  /**
   * Hands one record to the producer. A send that failed at once (no metadata, or no buffer space,
   * within {@code max.block.ms}) ends this write: the next record would wait just as long.
   */
  private void send(Pending p) throws IOException {
    try {
      p.future = producer.send(p.record, acknowledged);
      p.failureCounted = false;
    } catch (KafkaException e) {
      throw new IOException("sending to " + describe() + " failed: " + e.getMessage(), e);
    }
    if (p.future.isDone()) {
      Exception e = failureOf(p.future);
      if (e != null) {
        p.failureCounted = true;
        failedSends.incrementAndGet();
        throw new IOException("sending an audit record to " + describe() + " failed at once; it is kept and sent again: "
            + e + tooLargeHint(e), e);
      }
    }
  }

  private IOException failure(Exception cause) {
    int failedNow = (int) pending.stream().filter(p -> p.future.isDone() && failureOf(p.future) != null).count();
    return new IOException(failedNow + " of " + pending.size() + " audit records not acknowledged by " + describe()
        + "; they are kept and sent again: " + cause + tooLargeHint(cause), cause);
  }

  /** The one failure no retry cures: it stalls the writer until the operator raises the limits. */
  private static String tooLargeHint(Exception cause) {
    return cause instanceof RecordTooLargeException
        ? " (a record larger than the producer's max.request.size never fits: raise properties max.request.size"
          + " and the topic's max.message.bytes, or lower max_body_bytes)"
        : "";
  }

  private ProducerRecord<byte[], byte[]> toRecord(byte[] line) throws IOException {
    RecordFields.Values v = fields.read(line);
    RecordHeaders headers = new RecordHeaders();
    if (v.id() != null) {
      headers.add(new RecordHeader(HEADER_RECORD_ID, v.id().getBytes(StandardCharsets.UTF_8)));
    }
    headers.add(new RecordHeader(HEADER_SCHEMA_VERSION, SCHEMA_VERSION_BYTES));
    byte[] key = v.key() == null ? null : v.key().getBytes(StandardCharsets.UTF_8);
    // The value is exactly one JSON document: consumers (Connect converters) need no line framing.
    int end = line.length > 0 && line[line.length - 1] == '\n' ? line.length - 1 : line.length;
    byte[] value = end == line.length ? line : Arrays.copyOf(line, end);
    return new ProducerRecord<>(settings.topic(), null, null, key, value, headers);
  }

  private static Exception failureOf(Future<RecordMetadata> future) {
    try {
      future.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause() instanceof Exception cause ? cause : e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // not reached for a finished future
      return e;
    }
  }

  /** One line on its way: the record (re-sent as it is) and its latest send. */
  private static final class Pending {
    final ProducerRecord<byte[], byte[]> record;
    Future<RecordMetadata> future;
    /** This send's failure was counted in {@link #failedSends} already. */
    boolean failureCounted;

    Pending(ProducerRecord<byte[], byte[]> record) {
      this.record = record;
    }
  }
}
