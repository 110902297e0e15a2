package dev.passage.gateway.proxy;

import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/** One upstream server: where it is, how busy it is, and whether it is being skipped after a failure. */
final class Target {

  private final String url;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile long skipUntilNanos;

  Target(String url) {
    URI uri = URI.create(url);
    this.ssl = "https".equals(uri.getScheme());
    this.host = uri.getHost();
    this.port = uri.getPort() > 0 ? uri.getPort() : (ssl ? 443 : 80);
    this.url = (ssl ? "https://" : "http://") + host + ":" + port;
  }

  String url() {
    return url;
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  boolean ssl() {
    return ssl;
  }

  int inFlight() {
    return inFlight.get();
  }

  void begin() {
    inFlight.incrementAndGet();
  }

  void end() {
    inFlight.decrementAndGet();
  }

  boolean available(long nowNanos) {
    return nowNanos - skipUntilNanos >= 0;
  }

  /** Passive health: after a refused connection the target is skipped for the back-off period. */
  void skipFor(long backoffNanos) {
    skipUntilNanos = System.nanoTime() + backoffNanos;
  }

  @Override
  public String toString() {
    return url;
  }
}
