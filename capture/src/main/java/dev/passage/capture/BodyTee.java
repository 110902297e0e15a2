package dev.passage.capture;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Watches one body stream on its way through: counts and digests every byte and keeps a bounded
 * prefix for the audit record. The limit is a memory bound: every kept byte is reserved from the
 * {@link CaptureBudget} before it is copied, never a display option applied afterwards.
 *
 * <p>Nothing is reserved before the first byte. A body of unknown length then reserves as its bytes
 * arrive, not what it might become: each step at least doubles the reservation ({@value
 * #RESERVE_STEP} bytes at least, never past the cap), so a body that trickles in holds about what it
 * has sent, at most twice that, and touches the budget once per doubling. A body that declared its
 * length reserves {@code min(cap, length)} in one step at its first byte, so that under contention
 * it is kept whole or not at all rather than cut wherever the budget ran out. When a step is refused
 * the tee stops keeping: a body that kept nothing reports {@link SkipReason#BUDGET}, one that kept a
 * prefix is truncated there. Counting and digesting go on to the end either way.
 *
 * <p>Used by one thread at a time (the connection's event loop); it does no locking. {@link
 * #accept(ByteBuffer)} never throws and never moves the chunk's position, limit or mark; it touches
 * the budget only on a growth step, never per chunk.
 */
public final class BodyTee {

  /** Largest array the JVM reliably allocates. */
  static final long MAX_KEEP_BYTES = Integer.MAX_VALUE - 8;
  /** Starting size of the kept array when the body length is unknown; it doubles from here. */
  static final int INITIAL_CAPACITY = 1024;
  /**
   * Smallest growth of a reservation. Small enough that a thousand trickling bodies hold 4 MiB, large
   * enough that a typical JSON body takes one step; large chunks step by their own size.
   */
  static final int RESERVE_STEP = 4096;
  private static final int SCRATCH_BYTES = 8192;
  // Direct chunks are digested through a per-thread scratch array so that skipping allocates
  // nothing per chunk: a duplicate() per chunk would be garbage on the hot path.
  /** Never updated, only cloned: a clone of a fresh digest is a fresh digest. */
  private static final MessageDigest SHA256_PROTOTYPE = newSha256();
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SCRATCH_BYTES]);

  /** Null when the route turned digests off: bytes are still counted. */
  private MessageDigest digest = sha256();
  private final String contentType;
  private final String contentEncoding;
  private final CaptureBudget budget;
  /** Most bytes this body may keep: the route's cap, or the declared length when that is smaller. */
  private final long keepLimit;
  /** The body declared its length: its first step reserves all of {@link #keepLimit}. */
  private final boolean declared;
  private final int initialCapacity;
  private SkipReason skipped;
  /** Bytes of the budget held now; the kept array never grows past it. */
  private long reserved;
  /** A growth step was refused after bytes were kept: the kept prefix ends where it is. */
  private boolean cutByBudget;
  private byte[] kept;
  private int keptLength;
  private long bytes;
  private boolean abandoned;
  private RawCapture result;

  private BodyTee(CaptureBudget budget, long keepLimit, boolean declared, int initialCapacity,
      SkipReason skipped, String contentType, String contentEncoding) {
    this.budget = budget;
    this.keepLimit = keepLimit;
    this.declared = declared;
    this.initialCapacity = initialCapacity;
    this.skipped = skipped;
    this.contentType = contentType;
    this.contentEncoding = contentEncoding;
  }

  /**
   * A tee that keeps up to {@code min(maxBodyBytes, expectedLength)} bytes of the body ({@code
   * maxBodyBytes} when {@code expectedLength < 0}, i.e. unknown). It reserves nothing now; it
   * reserves from {@code budget} from the first byte on (see the class comment).
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
    long keepLimit = expectedLength < 0 ? maxBodyBytes : Math.min(maxBodyBytes, expectedLength);
    // A known length is allocated exactly once; an unknown one starts small so that a short body
    // does not cost a whole step's worth of heap.
    int initial = (int) (expectedLength < 0 ? Math.min(keepLimit, INITIAL_CAPACITY) : keepLimit);
    return new BodyTee(budget, keepLimit, expectedLength >= 0, initial, null, contentType, contentEncoding);
  }

  /** A tee that only counts and digests, recording {@code reason} as why nothing was kept. */
  public static BodyTee skipping(SkipReason reason, String contentType, String contentEncoding) {
    if (reason == null) {
      throw new IllegalArgumentException("a skipping tee needs a reason");
    }
    return new BodyTee(null, 0, false, 0, reason, contentType, contentEncoding);
  }

  /** Counts without digesting (the record's {@code sha256} is null); call before the first chunk. */
  public BodyTee withoutDigest() {
    digest = null;
    return this;
  }

  /**
   * Counts, digests and (while under the cap and the budget allows) copies the chunk's remaining
   * bytes. Chunks arriving after {@link #finish()} are ignored; a null chunk is ignored.
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
    if (remaining > reserved - keptLength && reserved < keepLimit && skipped == null && !cutByBudget) {
      reserveFor(keptLength + (long) remaining);
    }
    int keep = (int) Math.min(remaining, reserved - keptLength);
    if (keep > 0) {
      grow(keptLength + keep);
      chunk.get(position, kept, keptLength, keep);
      if (digest != null) {
        digest.update(kept, keptLength, keep);
      }
      keptLength += keep;
    }
    if (keep < remaining && digest != null) {
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
    String sha256 = digest == null ? null : HexFormat.of().formatHex(digest.digest());
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

  /**
   * True when the budget refused to let a kept prefix grow, so the body is truncated short of its
   * cap for lack of budget rather than by the cap (a refusal before any byte is {@link
   * SkipReason#BUDGET} instead).
   */
  public boolean truncatedByBudget() {
    return cutByBudget;
  }

  /** The budget held now: what is kept plus the part of the last growth step not yet filled. */
  public long reservedBytes() {
    return reserved;
  }

  /**
   * One growth step: all of the keep limit for a declared length; otherwise at least double the
   * reservation (and at least {@value #RESERVE_STEP}, and at least {@code needed}), never past the
   * keep limit. A refusal ends keeping for this body.
   */
  private void reserveFor(long needed) {
    long target = declared ? keepLimit
        : Math.min(keepLimit, Math.max(needed, Math.max(reserved * 2, RESERVE_STEP)));
    if (budget.tryAcquire(target - reserved)) {
      reserved = target;
    } else if (keptLength == 0 && reserved == 0) {
      skipped = SkipReason.BUDGET;
    } else {
      cutByBudget = true;
    }
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

  /**
   * A fresh SHA-256 per body, cloned from one prototype: getInstance() walks the security providers
   * each time, which showed on the event loop at two bodies per exchange.
   */
  private static MessageDigest sha256() {
    try {
      return (MessageDigest) SHA256_PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return newSha256(); // a provider whose digests cannot be cloned: look it up each time
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK must provide SHA-256", e);
    }
  }
}
