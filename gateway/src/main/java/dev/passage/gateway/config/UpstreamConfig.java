package dev.passage.gateway.config;

import java.util.List;

/**
 * The targets behind a route and how Passage talks to them.
 *
 * @param targets         base URLs, {@code http://host:port} (required, at least one)
 * @param balance         {@code round_robin} (default) or {@code least_requests}
 * @param connectTimeout  TCP connect timeout (default 2s)
 * @param responseTimeout time from sending the request to the response headers; past it the
 *                        client gets 504 (default 30s)
 * @param idleTimeout     a pooled keep-alive connection unused this long is closed (default 60s)
 * @param maxConnections  connection pool size per target (default 512)
 * @param maxPending      requests allowed to wait for a pooled connection per target; past it the
 *                        client gets 503 (default 1024)
 * @param failureBackoff  a target that refused a connection is skipped this long (default 10s)
 * @param hostHeader      {@code preserve} the client's Host (default), {@code target} to send the
 *                        target's host:port, or a literal host name
 * @param maxWebsockets   WebSocket tunnels open at once per target (default 1024), on connections
 *                        of their own, never taken from the request pool; past it an upgrade gets
 *                        503 at once
 */
public record UpstreamConfig(
    List<String> targets,
    String balance,
    String connectTimeout,
    String responseTimeout,
    String idleTimeout,
    Integer maxConnections,
    Integer maxPending,
    String failureBackoff,
    String hostHeader,
    Integer maxWebsockets) {

  /** Without a WebSocket bound of its own (the default applies). */
  public UpstreamConfig(List<String> targets, String balance, String connectTimeout, String responseTimeout,
      String idleTimeout, Integer maxConnections, Integer maxPending, String failureBackoff, String hostHeader) {
    this(targets, balance, connectTimeout, responseTimeout, idleTimeout, maxConnections, maxPending, failureBackoff,
        hostHeader, null);
  }

  public UpstreamConfig {
    balance = balance == null ? "round_robin" : balance;
    connectTimeout = connectTimeout == null ? "2s" : connectTimeout;
    responseTimeout = responseTimeout == null ? "30s" : responseTimeout;
    idleTimeout = idleTimeout == null ? "60s" : idleTimeout;
    maxConnections = maxConnections == null ? 512 : maxConnections;
    maxPending = maxPending == null ? 1024 : maxPending;
    failureBackoff = failureBackoff == null ? "10s" : failureBackoff;
    hostHeader = hostHeader == null ? "preserve" : hostHeader;
    maxWebsockets = maxWebsockets == null ? 1024 : maxWebsockets;
  }
}
