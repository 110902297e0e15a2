package dev.passage.audit;

import java.io.IOException;
import java.util.List;

/**
 * Where signed checkpoints are also kept, apart from the logs they attest (an anchor file, a Kafka
 * topic), so that a tail cut after the last checkpoint in the logs still shows. Called from one
 * thread only, the pipeline's {@code passage-audit-anchor}, never from a sink's delivery: an anchor
 * that is slow or down delays nothing but itself.
 */
public interface CheckpointAnchor extends AutoCloseable {

  /** Names the destination in logs and errors. */
  String describe();

  /**
   * Stores the checkpoint lines (each ending with {@code '\n'}), in order, durably, or throws: then the
   * same lines (and perhaps newer ones) are given again later, so storing one twice must be harmless.
   */
  void append(List<byte[]> checkpoints) throws IOException;

  /** Frees resources; safe to call twice. */
  @Override
  void close() throws IOException;
}
