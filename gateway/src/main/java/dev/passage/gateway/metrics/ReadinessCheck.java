package dev.passage.gateway.metrics;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One part the gateway needs before it should receive traffic (the proxy listener bound, an audit
 * sink accepting). Called on the event loop for every {@code /health/ready}: answer from state
 * already at hand, never with I/O.
 */
public interface ReadinessCheck {

  /** Stable identifier shown in the readiness document, e.g. {@code proxy_listener}. */
  String name();

  boolean ready();

  /** Why it is (not) ready, for an operator: e.g. {@code "sink file: disk full"}. */
  String detail();

  /** A check from two cheap suppliers of state at hand. */
  static ReadinessCheck of(String name, BooleanSupplier ready, Supplier<String> detail) {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public boolean ready() {
        return ready.getAsBoolean();
      }

      @Override
      public String detail() {
        return detail.get();
      }
    };
  }
}
