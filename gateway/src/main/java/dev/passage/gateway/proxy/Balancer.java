package dev.passage.gateway.proxy;

import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses a target among those not being skipped; when every target is being skipped it still
 * chooses one, so a recovered target is found without waiting out the back-off.
 */
final class Balancer {

  enum Strategy { ROUND_ROBIN, LEAST_REQUESTS }

  private final List<Target> targets;
  private final Strategy strategy;
  private final AtomicInteger next = new AtomicInteger();

  Balancer(List<Target> targets, Strategy strategy) {
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("a balancer needs at least one target");
    }
    this.targets = List.copyOf(targets);
    this.strategy = strategy;
  }

  /** Picks a target whose index is not set in {@code tried} (null: none tried), or -1 when all were tried. */
  int pick(BitSet tried) {
    long now = System.nanoTime();
    int n = targets.size();
    int best = -1;
    int fallback = -1;
    int start = Math.floorMod(next.getAndIncrement(), n);
    for (int k = 0; k < n; k++) {
      int i = (start + k) % n;
      if (tried != null && tried.get(i)) {
        continue;
      }
      Target t = targets.get(i);
      if (!t.available(now)) {
        if (fallback < 0) {
          fallback = i;
        }
        continue;
      }
      if (strategy == Strategy.ROUND_ROBIN) {
        return i;
      }
      if (best < 0 || t.inFlight() < targets.get(best).inFlight()) {
        best = i;
      }
    }
    return best >= 0 ? best : fallback;
  }

  Target get(int index) {
    return targets.get(index);
  }

  int size() {
    return targets.size();
  }

  List<Target> targets() {
    return targets;
  }
}
