package dev.passage.gateway.proxy;

import io.netty.channel.ConnectTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/** The one place where a failure on the way to or from an upstream becomes a status for the client. */
final class Outcomes {

  private Outcomes() {}

  /** Raised by Passage's own timer when no response headers arrived within response_timeout. */
  static final class ResponseTimeout extends TimeoutException {
    ResponseTimeout(long millis) {
      super("no response headers within " + millis + " ms");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** No pooled connection became free within connect_timeout. */
  static final class PoolWaitTimeout extends TimeoutException {
    PoolWaitTimeout(long millis) {
      super("no upstream connection free within " + millis + " ms");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** The pool's wait queue (upstream.max_pending) or the tunnel bound (max_websockets) is full. */
  static final class PoolBusy extends Exception {
    PoolBusy(String message) {
      super(message, null, false, false);
    }
  }

  /** The upstream closed the connection before the response was complete. */
  static final class UpstreamClosed extends IOException {
    UpstreamClosed(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  static int statusFor(Throwable failure) {
    Throwable t = rootOf(failure);
    if (t instanceof TimeoutException || t instanceof ConnectTimeoutException) {
      // Envoy and nginx both answer an upstream that did not answer in time with 504.
      return 504;
    }
    if (t instanceof PoolBusy) {
      // The wait queue for pooled connections is full: the upstream is busy, not broken (Envoy's overflow).
      return 503;
    }
    return 502;
  }

  /** What went wrong, in the words of the failure that decided the status (not its wrapper's). */
  static String describe(Throwable failure) {
    Throwable t = rootOf(failure);
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /**
   * A pooled connection that died under the request before any response byte: the upstream
   * closed it while idle just as the request went out (the keep-alive race nginx and Go retry).
   */
  static boolean isStaleConnection(Throwable failure) {
    Throwable t = rootOf(failure);
    if (t instanceof UpstreamClosed) {
      return true;
    }
    return t instanceof IOException && t.getMessage() != null && t.getMessage().contains("Connection reset");
  }

  static boolean isConnectFailure(Throwable failure) {
    // A refused connection, or Netty's connect timeout (also a ConnectException): no byte was sent.
    return rootOf(failure) instanceof ConnectException;
  }

  private static Throwable rootOf(Throwable t) {
    Throwable cur = t;
    for (int i = 0; i < 8 && cur.getCause() != null && cur.getCause() != cur; i++) {
      if (cur instanceof TimeoutException || cur instanceof ConnectException || cur instanceof PoolBusy) {
        return cur;
      }
      cur = cur.getCause();
    }
    return cur;
  }
}
