package dev.passage.gateway.admin;

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
}
