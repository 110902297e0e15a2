package dev.passage.capture;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Watches one body stream on its way through: counts and digests every byte and keeps a bounded
 * prefix for the audit record. The limit is a memory bound reserved from the {@link CaptureBudget}
 * before the first byte, never a display option applied afterwards.
 *
 * <p>Used by one thread at a time (the connection's event loop); it does no locking. {@link
 * #accept(ByteBuffer)} never throws and never moves the chunk's position, limit or mark.
 */
public final class BodyTee {

  /** Largest array the JVM reliably allocates. */
  static final long MAX_KEEP_BYTES = Integer.MAX_VALUE - 8;
  /** Starting size of the kept array when the body length is unknown; it doubles from here. */
  static final int INITIAL_CAPACITY = 1024;
  private static final int SCRATCH_BYTES = 8192;
  // Direct chunks are digested through a per-thread scratch array so that skipping allocates
  // nothing per chunk: a duplicate() per chunk would be garbage on the hot path.
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SCRATCH_BYTES]);

  private final MessageDigest digest = sha256();
  private final String contentType;
  private final String contentEncoding;
  private final CaptureBudget budget;
  private final int initialCapacity;
  private SkipReason skipped;
  private long reserved;
  private byte[] kept;
  private int keptLength;
  private long bytes;
  private boolean abandoned;
  private RawCapture result;

  private BodyTee(CaptureBudget budget, long reserved, int initialCapacity, SkipReason skipped,
      String contentType, String contentEncoding) {
    this.budget = budget;
    this.reserved = reserved;
    this.initialCapacity = initialCapacity;
    this.skipped = skipped;
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
  }

  /**
   * A tee that keeps up to {@code maxBodyBytes} of the body. It reserves {@code min(maxBodyBytes,
   * expectedLength)} (all of {@code maxBodyBytes} when {@code expectedLength < 0}, i.e. unknown)
   * from {@code budget} now; if the budget refuses, it keeps nothing and reports {@link
   * SkipReason#BUDGET}.
   *
   * @throws IllegalArgumentException if {@code budget} is null or {@code maxBodyBytes} is outside
   *     0..{@value #MAX_KEEP_BYTES}
   */
  public static BodyTee keeping(CaptureBudget budget, long maxBodyBytes, long expectedLength,
      String contentType, String contentEncoding) {
    if (budget == null) {
      throw new IllegalArgumentException("a keeping tee needs a capture budget");
    }
    if (maxBodyBytes < 0 || maxBodyBytes > MAX_KEEP_BYTES) {
      throw new IllegalArgumentException(
          "maxBodyBytes must be within 0.." + MAX_KEEP_BYTES + ", got " + maxBodyBytes);
    }
    long reservation = expectedLength < 0 ? maxBodyBytes : Math.min(maxBodyBytes, expectedLength);
    if (!budget.tryAcquire(reservation)) {
      return new BodyTee(null, 0, 0, SkipReason.BUDGET, contentType, contentEncoding);
    }
    // A known length is allocated exactly once; an unknown one starts small so that a short body
    // does not cost a full reservation's worth of heap.
    int initial = (int) (expectedLength < 0 ? Math.min(reservation, INITIAL_CAPACITY) : reservation);
    return new BodyTee(budget, reservation, initial, null, contentType, contentEncoding);
  }

  /** A tee that only counts and digests, recording {@code reason} as why nothing was kept. */
  public static BodyTee skipping(SkipReason reason, String contentType, String contentEncoding) {
    if (reason == null) {
      throw new IllegalArgumentException("a skipping tee needs a reason");
    }
    return new BodyTee(null, 0, 0, reason, contentType, contentEncoding);
  }

  /**
   * Counts, digests and (while under the reservation) copies the chunk's remaining bytes. Chunks
   * arriving after {@link #finish()} are ignored; a null chunk is ignored.
   */
  public void accept(ByteBuffer chunk) {
    if (chunk == null || result != null) {
      return;
    }
    int remaining = chunk.remaining();
    if (remaining == 0) {
      return;
    }
    int position = chunk.position();
    bytes += remaining;
    int keep = (int) Math.min(remaining, reserved - keptLength);
    if (keep > 0) {
      grow(keptLength + keep);
      chunk.get(position, kept, keptLength, keep);
      digest.update(kept, keptLength, keep);
      keptLength += keep;
    }
    if (keep < remaining) {
      digest(chunk, position + keep, remaining - keep);
    }
  }

  /**
   * Ends the body and returns what was seen; later calls return the same object. Returns at once
   * the part of the reservation that was not used; the result holds exactly {@code keptLength}
   * bytes of the budget until {@link RawCapture#releaseBudget()}.
   */
  public RawCapture finish() {
    if (result != null) {
      return result;
    }
    String sha256 = HexFormat.of().formatHex(digest.digest());
    if (skipped != null) {
      // Nothing was kept, so nothing was cut: truncated describes the kept copy only.
      result = new RawCapture(bytes, sha256, null, 0, false, contentType, contentEncoding, skipped, null, 0);
      return result;
    }
    byte[] body = kept;
    if (body != null && body.length != keptLength) {
      // The array doubled past the body; trim it so that the budget counts the heap actually held.
      body = keptLength == 0 ? null : Arrays.copyOf(body, keptLength);
    }
    budget.release(reserved - keptLength);
    reserved = 0;
    kept = null;
    if (keptLength > 0) {
      budget.registerHold(body);
    }
    result = new RawCapture(bytes, sha256, body, keptLength, bytes > keptLength, contentType,
        contentEncoding, null, keptLength > 0 ? budget : null, keptLength);
    return result;
  }

  /**
   * Gives back all budget this body holds, for a body whose record will never be written. After
   * {@link #finish()} it releases the result's hold, which is idempotent (see {@link RawCapture});
   * before it, the tee stops keeping and a later {@code finish()} reports {@link
   * SkipReason#DISABLED}. Calling it again does nothing.
   */
  public void abandon() {
    if (abandoned) {
      return;
    }
    abandoned = true;
    if (result != null) {
      result.releaseBudget();
      return;
    }
    if (skipped == null) {
      budget.release(reserved);
      reserved = 0;
      kept = null;
      keptLength = 0;
      skipped = SkipReason.DISABLED;
    }
  }

  /** Bytes seen so far. */
  public long bytes() {
    return bytes;
  }

  /** Bytes kept for the record so far (at most the reservation). */
  public long keptBytes() {
    return keptLength;
  }

  /** Why nothing is kept, or null while (or after) keeping a prefix of the body. */
  public SkipReason skipReason() {
    return skipped;
  }

  private void grow(int needed) {
    if (kept != null && kept.length >= needed) {
      return;
    }
    long capacity = kept == null ? Math.max(1, initialCapacity) : (long) kept.length * 2;
    while (capacity < needed) {
      capacity *= 2;
    }
    capacity = Math.min(capacity, reserved);
    kept = kept == null ? new byte[(int) capacity] : Arrays.copyOf(kept, (int) capacity);
  }

  private void digest(ByteBuffer chunk, int from, int length) {
    if (chunk.hasArray()) {
      digest.update(chunk.array(), chunk.arrayOffset() + from, length);
      return;
    }
    byte[] scratch = SCRATCH.get();
    for (int done = 0; done < length; ) {
      int n = Math.min(scratch.length, length - done);
      chunk.get(from + done, scratch, 0, n);
      digest.update(scratch, 0, n);
      done += n;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK must provide SHA-256", e);
    }
  }
}
