package dev.passage.audit;

import java.util.List;

/**
 * How far a sink got into a batch before a write failed, so that the retry {@link AuditSink}'s
 * contract promises (the same list instance, nothing in between) resumes after the lines already
 * stored instead of storing them twice. One per sink, used by its single caller thread.
 *
 * <pre>{@code
 * for (int i = progress.start(lines); i < lines.size(); i++) {
 *   store(lines.get(i));       // may throw: the retry starts at i
 *   progress.stored(i);
 * }
 * progress.finished();
 * }</pre>
 */
public final class BatchProgress {

  private List<byte[]> batch;
  private int done;

  /** The index to start {@code lines} at: after the lines a failed write of this same list stored, else 0. */
  public int start(List<byte[]> lines) {
    int start = lines == batch ? done : 0;
    batch = lines;
    done = start;
    return start;
  }

  /** Line {@code index} of the current batch is stored: a retry starts after it. */
  public void stored(int index) {
    done = index + 1;
  }

  /** The whole batch is stored; a later write of the same list (a new batch) starts at 0. */
  public void finished() {
    batch = null;
    done = 0;
  }
}
