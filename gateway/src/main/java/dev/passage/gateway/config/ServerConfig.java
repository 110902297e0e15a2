package dev.passage.gateway.config;

import java.util.List;

/**
 * Limits of the client-facing listener. Requests past a limit are refused with a 4xx before they
 * reach a route; every rule and its RFC section: docs/security.md.
 *
 * @param maxInitialLineBytes      longest request line accepted (default 8192; longer: 414)
 * @param maxHeaderBytes           largest header block accepted (default 16384; larger: 431)
 * @param maxHeaderCount           most header fields in a request (default 100; more: 431)
 * @param maxRequestsPerConnection requests served on one keep-alive connection; the last response
 *                                 carries {@code Connection: close} (default 1000, as nginx)
 * @param maxConnections           concurrent client connections; a connection past it is closed
 *                                 at once (default 16384)
 * @param headerTimeout            a request head must be complete this long after its first byte
 *                                 (default 60s, as nginx; slower: 408 and close)
 * @param bodyTimeout              longest pause between request-body bytes while the gateway is
 *                                 reading (default 60s, as nginx; longer: 408 and close)
 * @param idleTimeout              a client connection idle this long is closed (default 60s)
 * @param shutdownGrace            how long a graceful stop waits for in-flight exchanges (default 10s)
 * @param trustedProxies           CIDRs of proxies whose X-Forwarded-*, Forwarded and X-Real-IP are
 *                                 appended to; from any other peer they are replaced (default none)
 * @param encodedSlashes           {@code keep} (default: %2F, %5C and \ stay as sent, one segment)
 *                                 or {@code reject} (400)
 * @param expectContinue           {@code gateway} (default: the gateway answers {@code Expect:
 *                                 100-continue} once the request is admitted) or {@code upstream}
 *                                 (the expectation goes upstream and its {@code 100} is relayed, so
 *                                 an upstream can refuse a body before it is sent)
 */
public record ServerConfig(
    Integer maxInitialLineBytes,
    Integer maxHeaderBytes,
    Integer maxHeaderCount,
    Integer maxRequestsPerConnection,
    Integer maxConnections,
    String headerTimeout,
    String bodyTimeout,
    String idleTimeout,
    String shutdownGrace,
    List<String> trustedProxies,
    String encodedSlashes,
    String expectContinue) {

  public static final ServerConfig DEFAULT =
      new ServerConfig(null, null, null, null, null, null, null, null, null, null, null, null);

  public ServerConfig {
    maxInitialLineBytes = maxInitialLineBytes == null ? 8192 : maxInitialLineBytes;
    maxHeaderBytes = maxHeaderBytes == null ? 16384 : maxHeaderBytes;
    maxHeaderCount = maxHeaderCount == null ? 100 : maxHeaderCount;
    maxRequestsPerConnection = maxRequestsPerConnection == null ? 1000 : maxRequestsPerConnection;
    maxConnections = maxConnections == null ? 16384 : maxConnections;
    headerTimeout = headerTimeout == null ? "60s" : headerTimeout;
    bodyTimeout = bodyTimeout == null ? "60s" : bodyTimeout;
    idleTimeout = idleTimeout == null ? "60s" : idleTimeout;
    shutdownGrace = shutdownGrace == null ? "10s" : shutdownGrace;
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    encodedSlashes = encodedSlashes == null ? "keep" : encodedSlashes;
    expectContinue = expectContinue == null ? "gateway" : expectContinue;
  }
}
