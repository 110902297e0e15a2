package dev.passage.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The global budget, its per-route shares, and what many bodies at once do to them. */
class CaptureBudgetTest {

  private static final int KIB = 1024;

  @Test
  void aShareGrantsOnlyWhatFitsUnderItselfAndItsParent() {
    CaptureBudget global = new CaptureBudget(100);
    CaptureBudget share = global.share(60);
    assertTrue(share.tryAcquire(50));
    assertEquals(50, share.inUse());
    assertEquals(50, global.inUse());

    assertFalse(share.tryAcquire(20), "past the share's own limit");
    assertEquals(1, share.exhaustedCount());
    assertEquals(0, global.exhaustedCount(), "the global budget had room");

    assertTrue(global.tryAcquire(45));
    assertFalse(share.tryAcquire(10), "fits the share, not the global budget");
    assertEquals(50, share.inUse(), "a refusal by the parent leaves nothing reserved in the share");
    assertEquals(95, global.inUse());
    assertEquals(1, share.exhaustedCount());
    assertEquals(1, global.exhaustedCount());

    share.release(50);
    assertEquals(0, share.inUse());
    assertEquals(45, global.inUse());
    assertEquals(50, share.peakInUse());
    assertThrows(IllegalStateException.class, () -> share.release(1));
  }

  @Test
  void thousandTricklingBodiesOfUnknownLengthLeaveRoomForANewExchange() throws Exception {
    CaptureBudget global = new CaptureBudget(64L * KIB * KIB);
    CaptureBudget uploads = global.share(global.limit() / 4);
    List<BodyTee> trickling = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      BodyTee tee = BodyTee.keeping(uploads, 64 * KIB, -1, "application/json", null);
      tee.accept(ByteBuffer.wrap(new byte[] {'{', '"'}));
      trickling.add(tee);
    }
    assertEquals(1000L * BodyTee.RESERVE_STEP, global.inUse(), "each holds one step, not its 64 KiB cap");
    assertTrue(trickling.stream().allMatch(t -> t.skipReason() == null));

    byte[] json = new byte[64 * KIB];
    new Random(1).nextBytes(json);
    BodyTee fresh = BodyTee.keeping(uploads, 64 * KIB, json.length, "application/json", null);
    fresh.accept(ByteBuffer.wrap(json));
    RawCapture raw = fresh.finish();
    assertEquals(json.length, raw.keptLength(), "a new exchange on the same route is kept whole");
    assertFalse(raw.truncated());

    raw.releaseBudget();
    trickling.forEach(BodyTee::abandon);
    assertEquals(0, global.inUse());
    assertEquals(0, uploads.inUse());
  }

  @Test
  void aRouteShareStopsOneRouteWhileAnotherStillKeeps() throws Exception {
    CaptureBudget global = new CaptureBudget(KIB * KIB);
    CaptureBudget flooded = global.share(256 * KIB);
    CaptureBudget quiet = global.share(256 * KIB);
    byte[] body = new byte[100 * KIB];
    new Random(2).nextBytes(body);
    List<RawCapture> held = new ArrayList<>();
    int kept = 0;
    int truncated = 0;
    int refused = 0;
    for (int i = 0; i < 20; i++) {
      BodyTee tee = BodyTee.keeping(flooded, 64 * KIB, -1, "application/json", null);
      for (int off = 0; off < body.length; off += 8 * KIB) {
        tee.accept(ByteBuffer.wrap(body, off, Math.min(8 * KIB, body.length - off)));
      }
      RawCapture raw = tee.finish();
      assertEquals(BodyTeeTest.sha256(body), raw.sha256(), "digest of all bytes, kept or not");
      if (raw.skipped() == SkipReason.BUDGET) {
        refused++;
      } else if (tee.truncatedByBudget()) {
        truncated++;
        assertTrue(raw.truncated());
        assertTrue(raw.keptLength() < 64 * KIB);
      } else {
        kept++;
        assertEquals(64 * KIB, raw.keptLength());
      }
      held.add(raw);
    }
    assertEquals(4, kept, "256 KiB share holds four 64 KiB prefixes");
    assertEquals(16, truncated + refused);
    assertTrue(flooded.inUse() <= flooded.limit());
    assertEquals(0, global.exhaustedCount(), "the route hit its share, not the global budget");
    assertTrue(flooded.exhaustedCount() >= 16);

    BodyTee other = BodyTee.keeping(quiet, 64 * KIB, -1, "application/json", null);
    other.accept(ByteBuffer.wrap(body, 0, 40 * KIB));
    RawCapture raw = other.finish();
    assertEquals(40 * KIB, raw.keptLength(), "another route keeps its body whole");
    assertNull(raw.skipped());
    held.add(raw);

    held.forEach(RawCapture::releaseBudget);
    assertEquals(0, global.inUse());
    assertEquals(0, flooded.inUse());
    assertEquals(0, quiet.inUse());
  }

  @Test
  void budgetInUseReturnsToZeroAfterEveryTeeFinishesOrAbortsAcrossThreads() throws Exception {
    CaptureBudget global = new CaptureBudget(2L * KIB * KIB);
    CaptureBudget[] shares = {global.share(KIB * KIB), global.share(KIB * KIB), global.share(512 * KIB)};
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> runs = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int seed = t;
      runs.add(pool.submit(() -> {
        Random random = new Random(seed);
        byte[] chunk = new byte[3000];
        for (int i = 0; i < 2000; i++) {
          CaptureBudget share = shares[random.nextInt(shares.length)];
          long declared = random.nextBoolean() ? -1 : random.nextInt(100_000);
          BodyTee tee = BodyTee.keeping(share, 64 * KIB, declared, "application/json", null);
          int chunks = random.nextInt(30);
          for (int c = 0; c < chunks; c++) {
            tee.accept(ByteBuffer.wrap(chunk, 0, 1 + random.nextInt(chunk.length)));
            assertTrue(global.inUse() <= global.limit());
            assertTrue(share.inUse() <= share.limit());
          }
          switch (random.nextInt(4)) {
            case 0 -> tee.abandon(); // the record will never be written
            case 1 -> {
              RawCapture raw = tee.finish();
              raw.releaseBudget();
              raw.releaseBudget();
            }
            case 2 -> {
              tee.finish();
              tee.abandon();
            }
            default -> {
              tee.abandon();
              tee.finish().releaseBudget();
            }
          }
        }
      }));
    }
    for (Future<?> run : runs) {
      run.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertEquals(0, global.inUse());
    for (CaptureBudget share : shares) {
      assertEquals(0, share.inUse());
      assertEquals(0, share.outstandingHolds(), "a hold was leaked");
      assertTrue(share.peakInUse() <= share.limit());
    }
    assertTrue(global.peakInUse() <= global.limit());
  }
}
