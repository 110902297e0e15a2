package dev.passage.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BodyTeeTest {

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new Random(42).nextBytes(bytes);
    return bytes;
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** Feeds {@code body} in chunks of {@code chunk} bytes, as direct buffers with an offset position. */
  private static void feed(BodyTee tee, byte[] body, int chunk) {
    for (int off = 0; off < body.length; off += chunk) {
      int n = Math.min(chunk, body.length - off);
      ByteBuffer buffer = ByteBuffer.allocateDirect(n + 7);
      buffer.position(3);
      buffer.put(body, off, n);
      buffer.position(3).limit(3 + n);
      tee.accept(buffer);
      assertEquals(3, buffer.position(), "tee moved the chunk's position");
      assertEquals(3 + n, buffer.limit(), "tee moved the chunk's limit");
    }
  }

  @Test
  void teeForwardsAndDigestsEveryByteWhileKeepingOnlyTheCap() throws Exception {
    byte[] body = randomBytes(100_000);
    CaptureBudget budget = new CaptureBudget(1 << 20);
    BodyTee tee = BodyTee.keeping(budget, 4096, -1, "application/json", null);
    feed(tee, body, 1000);

    RawCapture raw = tee.finish();
    assertEquals(100_000, raw.bytes());
    assertEquals(100_000, tee.bytes());
    assertEquals(sha256(body), raw.sha256());
    assertEquals(4096, raw.keptLength());
    assertArrayEquals(Arrays.copyOf(body, 4096), Arrays.copyOf(raw.kept(), raw.keptLength()));
    assertTrue(raw.truncated());
    assertNull(raw.skipped());
    assertEquals("application/json", raw.contentType());
  }

  @Test
  void heapChunksAreDigestedWithoutBeingMoved() throws Exception {
    byte[] backing = randomBytes(5000);
    ByteBuffer chunk = ByteBuffer.wrap(backing, 100, 4000).slice();
    chunk.position(10).mark().position(20);
    BodyTee tee = BodyTee.keeping(new CaptureBudget(1000), 100, -1, "text/plain", null);
    tee.accept(chunk);

    assertEquals(20, chunk.position());
    chunk.reset();
    assertEquals(10, chunk.position(), "tee cleared the chunk's mark");
    assertEquals(sha256(Arrays.copyOfRange(backing, 120, 4100)), tee.finish().sha256());
  }

  @Test
  void shortBodyOfUnknownLengthReservesOneStepAndAllocatesLess() throws Exception {
    CaptureBudget budget = new CaptureBudget(1 << 20);
    BodyTee tee = BodyTee.keeping(budget, 64 * 1024, -1, "text/plain", null);
    assertEquals(0, budget.inUse(), "nothing is reserved before the first byte");
    tee.accept(ByteBuffer.wrap(randomBytes(100)));
    assertEquals(BodyTee.INITIAL_CAPACITY, keptArray(tee).length);
    assertEquals(BodyTee.RESERVE_STEP, budget.inUse(), "one step is reserved, not the whole cap");

    RawCapture raw = tee.finish();
    assertEquals(100, raw.kept().length, "kept array is trimmed to what the budget still holds");
    assertEquals(100, budget.inUse());
  }

  @Test
  void keptArrayDoublesUpToTheReservation() throws Exception {
    BodyTee tee = BodyTee.keeping(new CaptureBudget(1 << 20), 3000, -1, "text/plain", null);
    tee.accept(ByteBuffer.wrap(randomBytes(1500)));
    assertEquals(2048, keptArray(tee).length);
    tee.accept(ByteBuffer.wrap(randomBytes(1500)));
    assertEquals(3000, keptArray(tee).length);
  }

  @Test
  void knownLengthArrivingAtOnceIsReservedAndAllocatedOnce() throws Exception {
    CaptureBudget budget = new CaptureBudget(1 << 20);
    BodyTee tee = BodyTee.keeping(budget, 64 * 1024, 5000, "text/plain", null);
    assertEquals(0, budget.inUse());
    tee.accept(ByteBuffer.wrap(randomBytes(5000)));
    assertEquals(5000, budget.inUse());
    assertEquals(5000, keptArray(tee).length, "allocated once");
    assertEquals(5000, tee.finish().kept().length, "no trimming copy");
  }

  @Test
  void declaredLengthIsReservedWholeAtItsFirstByte() throws Exception {
    CaptureBudget budget = new CaptureBudget(1 << 20);
    BodyTee tee = BodyTee.keeping(budget, 64 * 1024, 60_000, "application/json", null);
    assertEquals(0, budget.inUse(), "a body that never starts holds nothing");
    tee.accept(ByteBuffer.wrap(randomBytes(10)));
    assertEquals(60_000, budget.inUse(), "whole or nothing: one step for a declared length");
    assertEquals(60_000, keptArray(tee).length);
    tee.abandon();
    assertEquals(0, budget.inUse());
  }

  @Test
  void declaredLengthTheBudgetCannotHoldIsSkippedNotCut() throws Exception {
    CaptureBudget budget = new CaptureBudget(50_000);
    byte[] body = randomBytes(60_000);
    BodyTee tee = BodyTee.keeping(budget, 64 * 1024, body.length, "application/json", null);
    feed(tee, body, 1000);
    RawCapture raw = tee.finish();
    assertEquals(SkipReason.BUDGET, raw.skipped());
    assertFalse(tee.truncatedByBudget());
    assertEquals(sha256(body), raw.sha256());
    assertEquals(0, budget.inUse());
  }

  @Test
  void tricklingBodyOfUnknownLengthHoldsOnlyWhatArrived() throws Exception {
    CaptureBudget budget = new CaptureBudget(64L << 20);
    byte[] body = randomBytes(100_000);
    BodyTee tee = BodyTee.keeping(budget, 1 << 20, -1, "application/json", null);
    Set<Long> reservations = new HashSet<>();
    for (int i = 0; i < body.length; i++) {
      tee.accept(ByteBuffer.wrap(body, i, 1));
      long arrived = i + 1;
      assertTrue(budget.inUse() <= Math.max(2 * arrived, BodyTee.RESERVE_STEP),
          arrived + " bytes arrived, " + budget.inUse() + " reserved");
      assertTrue(keptArray(tee).length <= budget.inUse(), "heap beyond the reservation");
      reservations.add(tee.reservedBytes());
    }
    // 4, 8, 16, 32, 64, 128 KiB: the budget is touched once per doubling, not per chunk.
    assertEquals(6, reservations.size(), reservations.toString());
    RawCapture raw = tee.finish();
    assertEquals(100_000, raw.keptLength());
    assertFalse(raw.truncated());
    assertEquals(sha256(body), raw.sha256());
    assertEquals(100_000, budget.inUse());
    raw.releaseBudget();
    assertEquals(0, budget.inUse());
  }

  @Test
  void refusedGrowthTruncatesTheKeptPrefixAndDigestsEverything() throws Exception {
    CaptureBudget budget = new CaptureBudget(12_000);
    assertTrue(budget.tryAcquire(2_000)); // other exchanges
    byte[] body = randomBytes(50_000);
    BodyTee tee = BodyTee.keeping(budget, 32 * 1024, -1, "application/json", null);
    feed(tee, body, 1000);

    // Steps of 4 KiB and then 8 KiB fit beside the 2,000 held; the step to 16 KiB does not.
    assertTrue(tee.truncatedByBudget());
    assertNull(tee.skipReason());
    RawCapture raw = tee.finish();
    assertEquals(8192, raw.keptLength(), "kept what was reserved before the refusal");
    assertArrayEquals(Arrays.copyOf(body, 8192), Arrays.copyOf(raw.kept(), raw.keptLength()));
    assertTrue(raw.truncated());
    assertNull(raw.skipped());
    assertEquals(50_000, raw.bytes());
    assertEquals(sha256(body), raw.sha256());
    assertEquals(1, budget.exhaustedCount(), "one refusal per body, not one per later chunk");
    assertEquals(2_000 + 8192, budget.inUse());
    raw.releaseBudget();
    assertEquals(2_000, budget.inUse());
  }

  @Test
  void keepingTeeAllocatesNothingPerChunkOnceItsPrefixIsFull() {
    ByteBuffer chunk = ByteBuffer.allocateDirect(16 * 1024);
    BodyTee tee = BodyTee.keeping(new CaptureBudget(1 << 20), 64 * 1024, -1, "application/json", null);
    for (int i = 0; i < 8; i++) {
      tee.accept(chunk); // fills the 64 KiB prefix and sets up the thread's scratch array
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 512; i++) {
      tee.accept(chunk);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(allocated < 4096, "512 chunks allocated " + allocated + " bytes");
    assertEquals(64 * 1024, tee.keptBytes());
  }

  @Test
  void budgetRefusalKeepsNothingAndSaysBudget() throws Exception {
    CaptureBudget budget = new CaptureBudget(1000);
    assertTrue(budget.tryAcquire(900));
    byte[] body = randomBytes(5000);
    BodyTee tee = BodyTee.keeping(budget, 500, -1, "application/json", null);
    feed(tee, body, 512);

    RawCapture raw = tee.finish();
    assertEquals(SkipReason.BUDGET, raw.skipped());
    assertNull(raw.kept());
    assertEquals(0, raw.keptLength());
    assertFalse(raw.truncated());
    assertEquals(5000, raw.bytes());
    assertEquals(sha256(body), raw.sha256());
    assertEquals(900, budget.inUse());
    assertEquals(1, budget.exhaustedCount());
    assertNull(keptArray(tee), "a refused tee allocates no kept array");
  }

  @Test
  void budgetIsReturnedOnFinishBeyondKeptAndOnRelease() {
    CaptureBudget budget = new CaptureBudget(10_000);
    BodyTee tee = BodyTee.keeping(budget, 8000, -1, "text/plain", null);
    tee.accept(ByteBuffer.wrap(randomBytes(300)));
    assertEquals(BodyTee.RESERVE_STEP, budget.inUse());

    RawCapture raw = tee.finish();
    assertEquals(300, raw.budgetHeld());
    assertEquals(raw.keptLength(), raw.budgetHeld());
    assertSame(budget, raw.budget());
    assertEquals(300, budget.inUse());
    assertEquals(1, budget.outstandingHolds());

    raw.releaseBudget();
    assertEquals(0, budget.inUse());
    assertEquals(0, budget.outstandingHolds());
  }

  @Test
  void releaseTwiceOnACopyOrAfterAbandonReturnsTheBudgetOnce() {
    CaptureBudget budget = new CaptureBudget(10_000);
    assertTrue(budget.tryAcquire(1000)); // someone else's bytes, which must not be given back for us
    BodyTee tee = BodyTee.keeping(budget, 8000, -1, "text/plain", null);
    tee.accept(ByteBuffer.wrap(randomBytes(300)));
    RawCapture raw = tee.finish();
    RawCapture copy = new RawCapture(raw.bytes(), raw.sha256(), raw.kept(), raw.keptLength(), raw.truncated(),
        raw.contentType(), raw.contentEncoding(), raw.skipped(), raw.budget(), raw.budgetHeld());
    assertEquals(1300, budget.inUse());

    raw.releaseBudget();
    raw.releaseBudget();
    copy.releaseBudget();
    tee.abandon();
    assertEquals(1000, budget.inUse());
  }

  @Test
  void handBuiltCaptureReleasesNothingItNeverAcquired() {
    CaptureBudget budget = new CaptureBudget(10_000);
    assertTrue(budget.tryAcquire(1000));
    new RawCapture(3, "x", new byte[3], 3, false, null, null, null, budget, 3).releaseBudget();
    assertEquals(1000, budget.inUse());
  }

  @Test
  void abandonBeforeFinishReturnsTheWholeReservationAndKeepsCounting() throws Exception {
    CaptureBudget budget = new CaptureBudget(10_000);
    byte[] body = randomBytes(2000);
    BodyTee tee = BodyTee.keeping(budget, 8000, -1, "text/plain", null);
    feed(tee, Arrays.copyOf(body, 1000), 100);
    tee.abandon();
    assertEquals(0, budget.inUse());
    feed(tee, Arrays.copyOfRange(body, 1000, 2000), 100);
    tee.abandon();

    RawCapture raw = tee.finish();
    assertEquals(0, budget.inUse());
    assertEquals(SkipReason.DISABLED, raw.skipped());
    assertNull(raw.kept());
    assertEquals(2000, raw.bytes());
    assertEquals(sha256(body), raw.sha256());
  }

  @Test
  void abandonAfterFinishReturnsTheHeldBytes() {
    CaptureBudget budget = new CaptureBudget(10_000);
    BodyTee tee = BodyTee.keeping(budget, 8000, -1, "text/plain", null);
    tee.accept(ByteBuffer.wrap(randomBytes(300)));
    RawCapture raw = tee.finish();
    tee.abandon();
    assertEquals(0, budget.inUse());
    raw.releaseBudget();
    assertEquals(0, budget.inUse());
  }

  @Test
  void finishIsIdempotentAndLaterChunksAreIgnored() {
    CaptureBudget budget = new CaptureBudget(10_000);
    BodyTee tee = BodyTee.keeping(budget, 100, -1, "text/plain", null);
    tee.accept(ByteBuffer.wrap(randomBytes(50)));
    RawCapture first = tee.finish();
    tee.accept(ByteBuffer.wrap(randomBytes(50)));
    assertSame(first, tee.finish());
    assertEquals(50, first.bytes());
    assertFalse(first.truncated());
    assertEquals(50, budget.inUse());
  }

  @Test
  void emptyBodyKeepsNothingHoldsNothingAndDigestsTheEmptyString() throws Exception {
    CaptureBudget budget = new CaptureBudget(10_000);
    BodyTee tee = BodyTee.keeping(budget, 100, 0, "text/plain", null);
    tee.accept(null);
    tee.accept(ByteBuffer.allocate(0));
    RawCapture raw = tee.finish();
    assertNull(raw.kept());
    assertNull(raw.skipped());
    assertFalse(raw.truncated());
    assertEquals(sha256(new byte[0]), raw.sha256());
    assertEquals(0, budget.inUse());
  }

  @Test
  void digestEqualsSha256OfAllBytesAlsoWhenSkipped() throws Exception {
    byte[] body = randomBytes(70_000);
    BodyTee tee = BodyTee.skipping(SkipReason.STREAM, "text/event-stream", null);
    feed(tee, body, 16 * 1024);
    RawCapture raw = tee.finish();

    assertEquals(sha256(body), raw.sha256());
    assertEquals(70_000, raw.bytes());
    assertEquals(SkipReason.STREAM, raw.skipped());
    assertNull(raw.kept());
    assertNull(raw.budget());
    assertFalse(raw.truncated());
    assertNull(keptArray(tee));
  }

  @Test
  void skippingAllocatesNothingPerChunk() {
    ByteBuffer chunk = ByteBuffer.allocateDirect(16 * 1024);
    ByteBuffer heapChunk = ByteBuffer.wrap(randomBytes(16 * 1024));
    BodyTee tee = BodyTee.skipping(SkipReason.CONTENT_TYPE, "application/octet-stream", null);
    tee.accept(chunk); // first use sets up the thread's scratch array
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 256; i++) {
      tee.accept(chunk);
      tee.accept(heapChunk);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(allocated < 4096, "512 chunks allocated " + allocated + " bytes");
    assertEquals(513L * 16 * 1024, tee.bytes());
  }

  @Test
  void limitsAreCheckedAtConstruction() {
    CaptureBudget budget = new CaptureBudget(10);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> BodyTee.keeping(budget, -1, -1, null, null));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> BodyTee.keeping(budget, Integer.MAX_VALUE, -1, null, null));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> BodyTee.keeping(null, 10, -1, null, null));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> BodyTee.skipping(null, null, null));
  }

  /** The tee's private buffer, read to check allocation sizes (there is no public view of it). */
  private static byte[] keptArray(BodyTee tee) throws Exception {
    Field kept = BodyTee.class.getDeclaredField("kept");
    kept.setAccessible(true);
    return (byte[]) kept.get(tee);
  }
}
