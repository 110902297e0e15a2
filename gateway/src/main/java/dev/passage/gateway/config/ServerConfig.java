package dev.passage.gateway.config;

/**
 * Limits of the client-facing listener. Requests past a limit are rejected with a 4xx before they
 * reach a route.
 *
 * @param maxInitialLineBytes longest request line accepted (default 8192; longer: 414)
 * @param maxHeaderBytes      largest header block accepted (default 16384; larger: 431)
 * @param idleTimeout         a client connection idle this long is closed (default 60s)
 * @param shutdownGrace       how long a graceful stop waits for in-flight exchanges (default 10s)
 */
public record ServerConfig(
    Integer maxInitialLineBytes, Integer maxHeaderBytes, String idleTimeout, String shutdownGrace) {

  public static final ServerConfig DEFAULT = new ServerConfig(null, null, null, null);

  public ServerConfig {
    maxInitialLineBytes = maxInitialLineBytes == null ? 8192 : maxInitialLineBytes;
    maxHeaderBytes = maxHeaderBytes == null ? 16384 : maxHeaderBytes;
    idleTimeout = idleTimeout == null ? "60s" : idleTimeout;
    shutdownGrace = shutdownGrace == null ? "10s" : shutdownGrace;
  }
}
