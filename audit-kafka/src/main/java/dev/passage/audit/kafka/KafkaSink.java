package dev.passage.audit.kafka;

import dev.passage.audit.AuditSink;
import dev.passage.audit.BatchProgress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
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
 * <p>Except with {@code key: instance} ({@link KafkaSinkSettings#ordered()}), the key of chained records:
 * there a gateway's stream is one partition and must stay in chain order, re-sends included. The
 * idempotent producer keeps a partition's order over its own retries, but once a batch fails for good
 * (its delivery timeout, a refusal) it bumps its epoch and sends the batches behind it, which then land
 * before the failed one is sent again (kafka-clients 4.3.1, {@code TransactionManager.handleFailedBatch}
 * and {@code maybeResolveSequences}). So in this mode the first failure closes the producer from its
 * own callback ({@code close(0)}: the batches behind it are aborted, never re-sequenced; callbacks of one
 * partition run in send order, so none of them has succeeded yet), and the next write or flush makes a
 * new producer and sends again <em>every</em> line from the first failed one on, in order, acknowledged
 * or not. The broker took a prefix of the old producer's sends (its sequence numbers allow no gap), so
 * the topic holds the stream in order, with at most a run of byte-identical repeats: the replayed
 * duplicates {@code verify} accepts. A checkpoint line (no fields of its own to key by) is keyed like
 * the record line before it, so it lands in its stream's partition, right after the record it attests.
 *
 * <p>The one failure no retry cures is a record too large for the producer or the topic: it is set
 * aside ({@link OversizeRecords}: kept whole in a local file, counted, logged) and a small stand-in
 * with its id and key takes its place in the topic, so it never stalls the records behind it. The
 * producer's {@code max.request.size} is raised to the largest record the capture limits allow
 * ({@link KafkaSinkSettings#maxRequestSize()}), so only a topic whose {@code max.message.bytes} is
 * smaller than that can refuse one.
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
  /** On a stand-in for a record set aside as too large: {@code too_large}. */
  public static final String HEADER_REJECTED = "passage-rejected";
  /** Line bytes held for re-sending until acknowledged; the producer's own buffer is 32 MiB too. */
  static final long MAX_UNACKNOWLEDGED_BYTES = 32L * 1024 * 1024;
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  private static final byte[] SCHEMA_VERSION_BYTES = SCHEMA_VERSION.getBytes(StandardCharsets.UTF_8);

  private static final byte[] CHECKPOINT_START = "{\"type\":\"checkpoint\",".getBytes(StandardCharsets.US_ASCII);

  private final KafkaSinkSettings settings;
  private final Function<Map<String, Object>, Producer<byte[], byte[]>> producers;
  private final Map<String, Object> producerConfig;
  /** Replaced only in the ordered mode, after a failure closed it. */
  private Producer<byte[], byte[]> producer;
  /** Ordered mode: a send failed and its callback closed {@link #producer}; the next write or flush replaces it. */
  private volatile boolean producerStopped;
  /** The thread that calls {@code send} (a failure reported during send is not a reason to stop the producer). */
  private volatile Thread caller;
  private final RecordFields fields;
  /** The key of the last record line handed over: a checkpoint line gets it too. */
  private byte[] lastKey;
  /** Lines handed to the producer and not yet acknowledged, oldest first. */
  private final List<Pending> pending = new ArrayList<>();
  private long pendingBytes;
  /** Lines handed over whose latest send has not succeeded: +1 when handed over, -1 when the broker acknowledges it. */
  private final AtomicInteger unacknowledged = new AtomicInteger();
  private Callback acknowledged;
  private final AtomicLong failedSends = new AtomicLong();
  /** How far a failed write got into its batch (lines handed over are not sent again). */
  private final BatchProgress progress = new BatchProgress();
  private final OversizeRecords oversize;
  private boolean closed;

  /** Creates the producer; it connects lazily, so a cluster that is down does not stop the gateway starting. */
  public KafkaSink(KafkaSinkSettings settings) throws IOException {
    this(settings, KafkaProducer::new);
  }

  /** With another producer than the client's (a test's {@code MockProducer}). */
  KafkaSink(KafkaSinkSettings settings, Function<Map<String, Object>, Producer<byte[], byte[]>> producers)
      throws IOException {
    this.settings = settings;
    this.producers = producers;
    this.fields = new RecordFields(settings.keyField());
    Map<String, Object> config = settings.producerConfig();
    this.producerConfig = config;
    int maxRequestSize = effectiveMaxRequestSize(config, settings);
    this.oversize = new OversizeRecords(describe(), settings.topic(), maxRequestSize, settings.rejectedFile());
    if (maxRequestSize < settings.maxRecordBytes()) {
      LOG.warn("{}: properties max.request.size {} is below the largest record the capture limits allow ({} bytes); "
          + "larger records are set aside as too large", describe(), maxRequestSize, settings.maxRecordBytes());
    } else {
      LOG.info("{}: records up to {} bytes (max.request.size, from the capture limits); give the topic a "
          + "max.message.bytes of at least that, or a larger record is set aside", describe(), maxRequestSize);
    }
    this.producer = newProducer();
  }

  private Producer<byte[], byte[]> newProducer() throws IOException {
    Producer<byte[], byte[]> p;
    try {
      p = producers.apply(producerConfig);
    } catch (KafkaException e) {
      throw new IOException("cannot create the Kafka producer for " + describe() + ": " + e.getMessage(), e);
    }
    AtomicBoolean stopping = new AtomicBoolean();
    acknowledged = (metadata, failure) -> {
      if (failure == null) {
        unacknowledged.decrementAndGet();
      } else if (settings.ordered() && Thread.currentThread() != caller && stopping.compareAndSet(false, true)) {
        // On the producer's I/O thread this is close(0): nothing behind the failed line is sent.
        producerStopped = true;
        p.close(Duration.ZERO);
      }
    };
    return p;
  }

  /**
   * Ordered mode, after a failure stopped the producer: a new producer sends every line from the first
   * one not acknowledged on, in order (see the class comment). Lines the old one had acknowledged after
   * it count as unacknowledged again until the new one does.
   */
  private void restartIfStopped() throws IOException {
    if (!producerStopped) {
      return;
    }
    try {
      producer.close(Duration.ZERO); // from this thread: waits until every old future has completed
    } catch (KafkaException e) {
      LOG.warn("closing the stopped Kafka producer for {} failed", describe(), e);
    }
    producerStopped = false;
    producer = newProducer();
    int first = 0;
    while (first < pending.size() && succeeded(pending.get(first))) {
      first++;
    }
    LOG.warn("{}: a send failed; sending again the {} records from the first unacknowledged one on, in order, "
        + "with a new producer (a stream's order in its partition is kept; duplicates are possible)", describe(),
        pending.size() - first);
    try {
      for (int i = first; i < pending.size(); i++) {
        Pending p = pending.get(i);
        if (succeeded(p)) {
          unacknowledged.incrementAndGet();
        }
        send(p);
      }
    } catch (IOException e) {
      producerStopped = true; // the next attempt starts over again, from the first unacknowledged line
      throw e;
    }
  }

  private static boolean succeeded(Pending p) {
    return p.future != null && p.future.isDone() && failureOf(p.future) == null;
  }

  /** {@code max.request.size} as the producer will read it (properties may override Passage's value, as text). */
  private static int effectiveMaxRequestSize(Map<String, Object> config, KafkaSinkSettings settings) {
    try {
      return ((Number) ProducerConfig.configDef().parse(config).get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).intValue();
    } catch (ConfigException e) {
      return settings.maxRequestSize(); // the producer's constructor reports the bad setting
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

  /** Records refused as too large and set aside (kept in the rejected file, a stand-in sent in their place). */
  public long rejectedRecords() {
    return oversize.count();
  }

  @Override
  public void write(List<byte[]> lines) throws IOException {
    if (closed) {
      throw new IOException(describe() + " is closed");
    }
    caller = Thread.currentThread();
    restartIfStopped();
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
      p.bytes = p.record.value().length;
      pendingBytes += p.bytes;
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
      if (settings.ordered()) {
        restartIfStopped();
      } else {
        resendFailed();
      }
    } catch (IOException e) {
      LOG.warn("re-sending failed audit records to {} on close failed", describe(), e);
    }
    try {
      producer.close(CLOSE_TIMEOUT);
    } catch (KafkaException e) {
      LOG.warn("closing the Kafka producer for {} failed", describe(), e);
    }
    collect();
    oversize.close();
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
    caller = Thread.currentThread();
    if (settings.ordered()) {
      restartIfStopped();
    } else {
      resendFailed();
    }
    // After a flush every send has finished; what collect() leaves unfinished are stand-ins it just
    // sent for records set aside, and they must be acknowledged before this flush counts.
    while (!pending.isEmpty()) {
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
  }

  /** Drops acknowledged lines from {@link #pending}; returns the first new failure among the finished rest. */
  private Exception collect() {
    Exception first = null;
    int failed = 0;
    int kept = 0;
    // Ordered mode forgets only the acknowledged lines before the first that is not: the rest may have
    // to be sent again as a whole.
    boolean keepRest = false;
    // Compacts in place: an outage can leave many thousands pending, and removing one by one is quadratic.
    for (int i = 0; i < pending.size(); i++) {
      Pending p = pending.get(i);
      Exception e = p.future.isDone() ? failureOf(p.future) : null;
      if (e instanceof RecordTooLargeException tooLarge && !p.failureCounted) {
        // The broker refused it (larger than the topic's max.message.bytes): no retry would help.
        try {
          setAside(p, tooLarge); // p now carries its stand-in, on its way (or given up: done)
          e = p.future.isDone() ? failureOf(p.future) : null;
        } catch (IOException keepFailed) {
          e = keepFailed; // not set aside: counted as a failed send below, and tried again
        }
      }
      if (p.future.isDone() && e == null && !keepRest) {
        pendingBytes -= p.bytes;
        continue;
      }
      keepRest = settings.ordered() && !(p.future.isDone() && e == null) || keepRest;
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
    } catch (KafkaException | IllegalStateException e) { // IllegalStateException: the producer was closed
      throw new IOException("sending to " + describe() + " failed: " + e.getMessage(), e);
    }
    if (p.future.isDone()) {
      Exception e = failureOf(p.future);
      if (e instanceof RecordTooLargeException tooLarge) {
        // The producer refused it before sending (larger than max.request.size or buffer.memory).
        setAside(p, tooLarge);
        return;
      }
      if (e != null) {
        p.failureCounted = true;
        failedSends.incrementAndGet();
        throw new IOException("sending an audit record to " + describe() + " failed at once; it is kept and sent again: "
            + e + tooLargeHint(e), e);
      }
    }
  }

  /**
   * Sets {@code p}'s record aside and sends its stand-in in its place (same key, same id header, and
   * {@link #HEADER_REJECTED}). A stand-in that is itself refused as too large (a topic that takes
   * less than a few hundred bytes) is given up: the record is kept in the file, and the log said so.
   */
  private void setAside(Pending p, RecordTooLargeException refusal) throws IOException {
    if (p.standIn) {
      LOG.error("the stand-in for a record set aside as too large was refused as well by {}: {}; the record is only in "
          + "the rejected file", describe(), refusal.getMessage());
      p.future = CompletableFuture.completedFuture(null);
      unacknowledged.decrementAndGet();
      return;
    }
    String id = headerText(p.record, HEADER_RECORD_ID);
    byte[] standIn = oversize.setAside(id, p.record.value(), refusal);
    RecordHeaders headers = new RecordHeaders(p.record.headers().toArray());
    headers.add(new RecordHeader(HEADER_REJECTED, "too_large".getBytes(StandardCharsets.UTF_8)));
    p.record = new ProducerRecord<>(p.record.topic(), null, null, p.record.key(), standIn, headers);
    p.standIn = true;
    send(p);
  }

  private static String headerText(ProducerRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private IOException failure(Exception cause) {
    int failedNow = (int) pending.stream().filter(p -> p.future.isDone() && failureOf(p.future) != null).count();
    return new IOException(failedNow + " of " + pending.size() + " audit records not acknowledged by " + describe()
        + "; they are kept and sent again: " + cause + tooLargeHint(cause), cause);
  }

  /** A too-large record reaches here only when keeping it in the rejected file failed. */
  private static String tooLargeHint(Exception cause) {
    return cause instanceof RecordTooLargeException
        ? " (too large for the topic, and keeping it in the rejected file failed: it is tried again)"
        : "";
  }

  private ProducerRecord<byte[], byte[]> toRecord(byte[] line) throws IOException {
    if (Arrays.equals(line, 0, Math.min(line.length, CHECKPOINT_START.length), CHECKPOINT_START, 0,
        CHECKPOINT_START.length)) {
      // A checkpoint has no field of its own to key by: it goes where the records it attests went.
      RecordHeaders headers = new RecordHeaders();
      headers.add(new RecordHeader(HEADER_SCHEMA_VERSION, SCHEMA_VERSION_BYTES));
      return new ProducerRecord<>(settings.topic(), null, null, lastKey, withoutNewline(line), headers);
    }
    RecordFields.Values v = fields.read(line);
    RecordHeaders headers = new RecordHeaders();
    if (v.id() != null) {
      headers.add(new RecordHeader(HEADER_RECORD_ID, v.id().getBytes(StandardCharsets.UTF_8)));
    }
    headers.add(new RecordHeader(HEADER_SCHEMA_VERSION, SCHEMA_VERSION_BYTES));
    byte[] key = v.key() == null ? null : v.key().getBytes(StandardCharsets.UTF_8);
    lastKey = key;
    return new ProducerRecord<>(settings.topic(), null, null, key, withoutNewline(line), headers);
  }

  /** The value is exactly one JSON document: consumers (Connect converters) need no line framing. */
  private static byte[] withoutNewline(byte[] line) {
    int end = line.length > 0 && line[line.length - 1] == '\n' ? line.length - 1 : line.length;
    return end == line.length ? line : Arrays.copyOf(line, end);
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

  /** One line on its way: the record (re-sent as it is, or replaced by its stand-in) and its latest send. */
  private static final class Pending {
    ProducerRecord<byte[], byte[]> record;
    /** {@link #record} is the stand-in of a record set aside as too large. */
    boolean standIn;
    /** What this line adds to {@link #pendingBytes} (the record's size when it was handed over). */
    int bytes;
    Future<RecordMetadata> future;
    /** This send's failure was counted in {@link #failedSends} already. */
    boolean failureCounted;

    Pending(ProducerRecord<byte[], byte[]> record) {
      this.record = record;
    }
  }
}
