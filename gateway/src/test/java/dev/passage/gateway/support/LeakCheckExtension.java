package dev.passage.gateway.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. The detector (PARANOID in
 * the build) reports a leak only when it notices a collected, unreleased buffer during a later
 * allocation, so this forces collections and allocations before it looks.
 */
public final class LeakCheckExtension implements AfterAllCallback {

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
      for (int j = 0; j < 64; j++) {
        ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(256);
        probe.release();
      }
    }
    if (!LeakRecorder.LEAKS.isEmpty()) {
      String first = LeakRecorder.LEAKS.get(0);
      int count = LeakRecorder.LEAKS.size();
      LeakRecorder.LEAKS.clear();
      throw new AssertionError(count + " Netty buffer leak(s) reported during " + context.getDisplayName() + ":\n" + first);
    }
  }
}
