package dev.passage.audit;

import java.io.IOException;
import java.util.List;

/**
 * Where audit lines go. {@link AuditPipeline} calls a sink from its single writer thread only, so
 * implementations need no locking.
 *
 * <p>Retry contract: when {@link #write} throws, the pipeline keeps the batch and later calls
 * {@code write} again with the same list instance, with no other write in between. A sink that
 * stored part of the batch before failing may skip those lines on the retry, so that no line is
 * written twice.
 */
public interface AuditSink {

  /** Names the destination in logs and errors, e.g. {@code jsonl file /var/log/passage/audit.jsonl}. */
  String describe();

  /** Appends one batch of lines; each is complete JSON ending with {@code '\n'}. */
  void write(List<byte[]> lines) throws IOException;

  /** Makes everything written so far durable. */
  void flush() throws IOException;

  /** Flushes and frees resources; safe to call twice. */
  void close() throws IOException;
}
