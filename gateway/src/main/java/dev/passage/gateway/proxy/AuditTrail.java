package dev.passage.gateway.proxy;

import dev.passage.audit.AuditPipeline;
import dev.passage.audit.AuditSink;
import dev.passage.audit.CheckpointAnchor;
import dev.passage.audit.JsonlFileSink;
import dev.passage.audit.QueueFullPolicy;
import dev.passage.audit.kafka.KafkaAnchor;
import dev.passage.audit.kafka.KafkaSink;
import dev.passage.capture.CaptureBudget;
import dev.passage.gateway.config.AuditConfig;
import dev.passage.gateway.config.Durations;
import dev.passage.gateway.config.IntegrityConfig;
import dev.passage.gateway.config.RedactConfig;
import dev.passage.gateway.config.RouteAuditConfig;
import dev.passage.gateway.config.SinkConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's side of the audit pipeline: admission under the {@code block} policy, and handing
 * ended exchanges over as records. With {@code block}, an exchange is admitted only when a record
 * slot is free, so the queue bound holds without ever blocking an event loop: a request that finds
 * no slot waits, paused, until the writer frees one.
 */
final class AuditTrail {

  final CaptureBudget budget;
  final AuditPipeline pipeline;
  final RouteAudit unrouted;
  /** The operator's global redaction lists, which every route's lists extend. */
  final RedactConfig redact;
  private final List<JsonlFileSink> fileSinks;
  private final List<KafkaSink> kafkaSinks;
  private final boolean blocking;
  private final long admissionTimeoutMs;
  /**
   * {@code audit.delivery: sync} with a spool: the engine must hold the last bytes of a response
   * until {@link AuditPipeline#submitAdmitted(dev.passage.audit.PendingRecord, dev.passage.audit.SpoolCallback)}
   * reports its record spooled ({@link Exchange#afterRecorded}).
   */
  final boolean syncDelivery;
  /** Exchanges refused at once because the spool was full or failing (fail_closed); they have no record. */
  private final java.util.concurrent.atomic.AtomicLong spoolRefusals = new java.util.concurrent.atomic.AtomicLong();

  private AuditTrail(CaptureBudget budget, AuditPipeline pipeline, List<JsonlFileSink> fileSinks,
      List<KafkaSink> kafkaSinks, RedactConfig redact, long admissionTimeoutMs, boolean syncDelivery) {
    this.admissionTimeoutMs = admissionTimeoutMs;
    this.syncDelivery = syncDelivery;
    this.fileSinks = List.copyOf(fileSinks);
    this.kafkaSinks = List.copyOf(kafkaSinks);
    this.budget = budget;
    this.pipeline = pipeline;
    this.redact = redact;
    this.unrouted = RouteAudit.unrouted(redact, budget);
    this.blocking = pipeline.policy() == QueueFullPolicy.BLOCK;
  }

  /**
   * A route's own part of the global budget ({@code routes[].audit.budget_share}): its bodies reserve
   * from both, so one route cannot hold the whole budget while others still have room.
   */
  CaptureBudget share(RouteAuditConfig route) {
    return budget.share(route.shareBytes(budget.limit()));
  }

  /**
   * The trail for a config, or null when no sink is configured (no records at all). {@code
   * maxRecordBytes} is the largest record the capture limits allow ({@code AuditRecordBound}): Kafka
   * sinks size their requests by it.
   */
  static AuditTrail create(AuditConfig config, long maxRecordBytes) throws IOException {
    if (config.sinks().isEmpty()) {
      return null;
    }
    List<JsonlFileSink> files = new ArrayList<>();
    List<KafkaSink> kafka = new ArrayList<>();
    List<AuditSink> sinks = new ArrayList<>();
    try {
      for (SinkConfig s : config.sinks()) {
        if (s.type().equals(SinkConfig.KAFKA)) {
          // A record the broker refuses as too large is kept whole beside the spool, if there is one.
          Path rejected = config.spool() == null ? null
              : Path.of(config.spool().dir()).resolve("kafka-rejected." + s.topic() + ".jsonl");
          KafkaSink k = new KafkaSink(s.kafkaSettings(maxRecordBytes, rejected, config.spool() != null));
          kafka.add(k);
          sinks.add(k);
          continue;
        }
        Path path = Path.of(s.path());
        // No max_files: keep every generation; deleting audit data is the operator's explicit choice.
        files.add(s.maxFiles() == null
            ? new JsonlFileSink(path, s.maxFileBytes())
            : new JsonlFileSink(path, s.maxFileBytes(), s.maxFiles()));
        sinks.add(files.get(files.size() - 1));
      }
      QueueFullPolicy policy = config.onQueueFull().equals("drop") ? QueueFullPolicy.DROP : QueueFullPolicy.BLOCK;
      // With a spool, each sink gets its own delivery thread reading it; the spool directory is opened
      // (and what an earlier run left is recovered) here, so a bad directory fails the start.
      // A Kafka anchor is made here (audit-kafka); a file anchor by the pipeline, from integritySettings().
      CheckpointAnchor anchor = null;
      if (config.spool() != null && config.integrity() != null && config.integrity().anchor() != null
          && config.integrity().anchor().kafka() != null) {
        IntegrityConfig.KafkaAnchorConfig k = config.integrity().anchor().kafka();
        anchor = new KafkaAnchor(k.bootstrapServers(), k.topic(), k.properties());
      }
      AuditPipeline pipeline = new AuditPipeline(sinks, config.queueRecords(), config.queueBytes(), policy,
          Durations.parse(config.flushInterval()), config.spool() == null ? null : config.spool().settings(),
          config.integritySettings(), anchor);
      return new AuditTrail(new CaptureBudget(config.budgetBytes()), pipeline, files, kafka, config.redact(),
          Durations.parse(config.admissionTimeout()).toMillis(), config.syncDelivery());
    } catch (java.io.UncheckedIOException e) {
      closeAll(sinks, e);
      throw e.getCause();
    } catch (IOException | RuntimeException e) {
      closeAll(sinks, e);
      throw e;
    }
  }

  private static void closeAll(List<AuditSink> sinks, Exception e) {
    // Sinks opened before the failure hold threads (a producer, a compressor): close them.
    for (AuditSink opened : sinks) {
      try {
        opened.close();
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
    }
  }

  /**
   * Runs {@code proceed} once the exchange may start: at once, or when the queue of records waiting
   * to be written has room again. Under {@code block} nothing is held for the exchange's life; a
   * request that finds no room waits, paused, at most {@code audit.admission_timeout}, then gets
   * 503 and a record ({@code audit_backlog}).
   */
  void admit(Exchange exchange, Runnable proceed, Runnable refuse) {
    if (pipeline.refusesExchanges()) {
      // The spool is full or its disk fails (on_full: fail_closed): waiting for a queue slot would not
      // help, so the refusal is immediate. It gets no record: there is nowhere to put one, and queueing
      // refusals in memory until the disk recovers would be unbounded. passage_requests_rejected_total
      // {reason="audit_backlog"} and passage_audit_spool_refused_exchanges_total count them.
      spoolRefusals.incrementAndGet();
      exchange.audit = null;
      refuse.run();
      return;
    }
    if (!blocking || pipeline.hasRoom()) {
      proceed.run();
      return;
    }
    // Paused, the request's bytes wait in the socket until the exchange may start.
    ClientConnection client = exchange.client;
    client.pause(ClientConnection.PAUSE_ADMISSION);
    boolean[] settled = {false};
    io.netty.util.concurrent.ScheduledFuture<?> timer = client.schedule(() -> {
      if (!settled[0]) {
        settled[0] = true;
        client.resume(ClientConnection.PAUSE_ADMISSION);
        refuse.run();
      }
    }, admissionTimeoutMs);
    waitForRoom(client, () -> {
      if (settled[0]) {
        return;
      }
      settled[0] = true;
      timer.cancel(false);
      client.resume(ClientConnection.PAUSE_ADMISSION);
      if (client.gone()) {
        exchange.end(Exchange.Outcome.CLIENT_ABORT, 0, "client went away while waiting for room in the audit queue");
      } else {
        proceed.run();
      }
    });
  }

  private void waitForRoom(ClientConnection client, Runnable admitted) {
    pipeline.whenSlotFree(() -> client.execute(() -> {
      if (pipeline.hasRoom()) {
        admitted.run();
      } else {
        waitForRoom(client, admitted);
      }
    }));
  }

  /** Rotated generations deleted by {@code max_files} retention, over every file sink. */
  /** Rotated files waiting to be compressed, over all file sinks (bounded: past it, files grow). */
  long pendingRotations() {
    return fileSinks.stream().mapToLong(JsonlFileSink::pendingRotations).sum();
  }

  /** Times a rotation was put off because too many rotated files waited for the compressor. */
  long deferredRotations() {
    return fileSinks.stream().mapToLong(JsonlFileSink::deferredRotations).sum();
  }

  long compressionErrors() {
    return fileSinks.stream().mapToLong(JsonlFileSink::compressionErrors).sum();
  }

  long deletedGenerations() {
    return fileSinks.stream().mapToLong(JsonlFileSink::deletedGenerations).sum();
  }

  /** Records handed to Kafka sinks and not yet acknowledged by a broker, over every Kafka sink. */
  long kafkaUnacknowledged() {
    return kafkaSinks.stream().mapToLong(KafkaSink::unacknowledged).sum();
  }

  /** Records Kafka refused as too large and that were set aside, over every Kafka sink. */
  long kafkaRejectedRecords() {
    return kafkaSinks.stream().mapToLong(KafkaSink::rejectedRecords).sum();
  }

    /** Sends to Kafka that failed (each is re-sent), over every Kafka sink. */
  long kafkaFailedSends() {
    return kafkaSinks.stream().mapToLong(KafkaSink::failedSends).sum();
  }

  long spoolRefusals() {
    return spoolRefusals.get();
  }

  /** Whether new exchanges are let in at once (readiness: saturated when not). */
  boolean hasRoom() {
    return pipeline.hasRoom();
  }

  void record(Exchange exchange, RouteAudit audit) {
    ExchangeRecord record = new ExchangeRecord(exchange, audit);
    if (!exchange.recordBeforeEnd) {
      pipeline.submitAdmitted(record);
      return;
    }
    // Group commit: the writer appends every record waiting at once, then each exchange's last
    // bytes go out on its own event loop (also when the record was lost: a client is never held forever).
    exchange.awaitRecord();
    // A spool that stays full (fail_closed) would hold the client forever: past admission_timeout
    // its connection is closed without the response's end. The record is not lost; it is spooled
    // once space frees, and the client never saw the response complete.
    io.netty.util.concurrent.ScheduledFuture<?> limit = exchange.client.schedule(() -> {
      if (exchange.awaitingRecord()) {
        exchange.client.closeNow();
      }
    }, admissionTimeoutMs);
    pipeline.submitAdmitted(record, spooled -> exchange.client.execute(() -> {
      limit.cancel(false);
      exchange.recordSettled();
    }));
  }

  void close(Duration timeout) {
    pipeline.close(timeout);
  }
}
