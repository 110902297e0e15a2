package dev.passage.capture;

/**
 * What a {@link BodyTee} saw of one body, before any decoding or redaction: the wire size and digest
 * of the whole body, plus at most the bounded prefix it was allowed to keep.
 *
 * <p>{@code kept} may be longer than {@code keptLength}; only the first {@code keptLength} bytes are
 * body bytes. The record holds {@code budgetHeld} bytes of the global {@link CaptureBudget} until
 * {@link #releaseBudget()} is called, which the audit pipeline does once the record is written or
 * dropped.
 *
 * <p>Releasing happens at most once. When {@link BodyTee#finish()} hands bytes to a capture it
 * registers the capture's {@code kept} array (by identity) with the budget as the token of that
 * hold; {@link #releaseBudget()} returns the bytes only if it is the call that removes the token.
 * Calling it twice, on a copy of the record, or after {@link BodyTee#abandon()} therefore returns
 * the bytes exactly once. A capture built by hand registered nothing, acquired nothing, and so
 * releases nothing.
 *
 * @param bytes           total bytes that crossed the wire (after de-chunking, before decompression)
 * @param sha256          lowercase hex SHA-256 of all {@code bytes}
 * @param kept            the kept prefix, or {@code null} when nothing was kept
 * @param keptLength      number of valid bytes in {@code kept}
 * @param truncated       true when the body was longer than what was kept
 * @param contentType     the body's Content-Type header, or null
 * @param contentEncoding the body's Content-Encoding header, or null
 * @param skipped         why nothing was kept, or null when a prefix was kept (possibly empty)
 * @param budget          the budget the held bytes came from, or null when none is held
 * @param budgetHeld      bytes of {@code budget} held by this capture
 */
public record RawCapture(
    long bytes,
    String sha256,
    byte[] kept,
    int keptLength,
    boolean truncated,
    String contentType,
    String contentEncoding,
    SkipReason skipped,
    CaptureBudget budget,
    long budgetHeld) {

  /** Returns the held budget; only the first call for this capture (or any copy of it) has effect. */
  public void releaseBudget() {
    if (budget != null && budgetHeld > 0 && kept != null) {
      budget.releaseHold(kept, budgetHeld);
    }
  }
}
