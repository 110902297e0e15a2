package dev.passage.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Header rules of a forwarding proxy (RFC 9110 section 7.6): hop-by-hop headers are dropped in both
 * directions, including every header the Connection header names; the client's address, scheme and
 * host travel upstream in X-Forwarded-* and Forwarded; the request id travels both ways.
 */
final class ForwardingHeaders {

  static final String REQUEST_ID = "x-request-id";

  private static final List<String> HOP_BY_HOP =
      List.of("connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade");

  private ForwardingHeaders() {}

  /** Removes hop-by-hop headers, the ones {@code Connection} names, and every {@code Proxy-*}. */
  static void removeHopByHop(HttpHeaders headers) {
    for (String connection : headers.getAll("connection")) {
      for (String token : connection.split(",")) {
        String name = token.trim();
        if (!name.isEmpty()) {
          headers.remove(name);
        }
      }
    }
    for (String name : HOP_BY_HOP) {
      headers.remove(name);
    }
    List<String> proxyHeaders = null;
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().regionMatches(true, 0, "proxy-", 0, 6)) {
        if (proxyHeaders == null) {
          proxyHeaders = new ArrayList<>(2);
        }
        proxyHeaders.add(h.getKey());
      }
    }
    if (proxyHeaders != null) {
      proxyHeaders.forEach(headers::remove);
    }
  }

  /** What a client may claim about earlier hops; believed only from a trusted proxy. */
  private static final List<String> FORWARDING =
      List.of("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "x-real-ip");

  /**
   * Appends this hop to X-Forwarded-For/-Proto/-Host and Forwarded, and sets the request id. From
   * a peer that is not a trusted proxy, what it sent in those headers is dropped first: the
   * upstream then sees only what the gateway itself observed.
   */
  static void addForwarding(HttpHeaders headers, String clientIp, boolean trustedPeer, String scheme, String host,
      String requestId) {
    if (!trustedPeer) {
      FORWARDING.forEach(headers::remove);
    }
    String xff = headers.get("x-forwarded-for");
    headers.set("x-forwarded-for", xff == null || xff.isBlank() ? clientIp : xff + ", " + clientIp);
    headers.set("x-forwarded-proto", scheme);
    if (host != null) {
      headers.set("x-forwarded-host", host);
    }
    String node = clientIp.indexOf(':') >= 0 ? "\"[" + clientIp + "]\"" : clientIp;
    StringBuilder hop = new StringBuilder(64).append("for=").append(node);
    if (host != null) {
      hop.append(";host=").append(quoteIfNeeded(host));
    }
    hop.append(";proto=").append(scheme);
    String forwarded = headers.get("forwarded");
    headers.set("forwarded", forwarded == null || forwarded.isBlank() ? hop.toString() : forwarded + ", " + hop);
    headers.set(REQUEST_ID, requestId);
  }

  private static String quoteIfNeeded(String host) {
    // A host with a port contains ':', which is not a token character in Forwarded (RFC 7239).
    for (int i = 0; i < host.length(); i++) {
      char c = Character.toLowerCase(host.charAt(i));
      boolean token = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      if (!token) {
        return "\"" + host.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      }
    }
    return host.toLowerCase(Locale.ROOT);
  }
}
