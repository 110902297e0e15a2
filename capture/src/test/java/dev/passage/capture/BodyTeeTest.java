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
import java.util.HexFormat;
import java.util.Random;
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
  void shortBodyOfUnknownLengthDoesNotAllocateTheWholeReservation() throws Exception {
    CaptureBudget budget = new CaptureBudget(1 << 20);
    BodyTee tee = BodyTee.keeping(budget, 64 * 1024, -1, "text/plain", null);
    tee.accept(ByteBuffer.wrap(randomBytes(100)));
    assertEquals(BodyTee.INITIAL_CAPACITY, keptArray(tee).length);
    assertEquals(64 * 1024, budget.inUse(), "the whole cap is reserved until the body ends");

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
  void knownLengthReservesOnlyTheBodyAndAllocatesItOnce() throws Exception {
    CaptureBudget budget = new CaptureBudget(1 << 20);
    BodyTee tee = BodyTee.keeping(budget, 64 * 1024, 5000, "text/plain", null);
    assertEquals(5000, budget.inUse());
    tee.accept(ByteBuffer.wrap(randomBytes(10)));
    assertEquals(5000, keptArray(tee).length);
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
    assertEquals(8000, budget.inUse());
    tee.accept(ByteBuffer.wrap(randomBytes(300)));

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
