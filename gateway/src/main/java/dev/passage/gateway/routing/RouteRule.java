package dev.passage.gateway.routing;

import java.util.Locale;
import java.util.Set;

/**
 * What one route matches: a host pattern, a path prefix on segment boundaries, and methods.
 *
 * @param host       exact host, {@code *.suffix}, or {@code *}
 * @param pathPrefix starts with {@code /}; {@code /api} matches {@code /api}, {@code /api/},
 *                   {@code /api/x} and {@code /api?q}, not {@code /apix}
 * @param methods    upper-case methods; empty means any
 */
public record RouteRule(String host, String pathPrefix, Set<String> methods) {

  public RouteRule {
    host = host.toLowerCase(Locale.ROOT);
    methods = Set.copyOf(methods);
    if (!pathPrefix.startsWith("/")) {
      throw new IllegalArgumentException("path prefix must start with /: " + pathPrefix);
    }
  }

  boolean matches(String requestHost, String path, String method) {
    return hostMatches(requestHost) && pathMatches(path) && (methods.isEmpty() || methods.contains(method));
  }

  /** Higher is more specific: exact host 2, suffix wildcard 1, any 0. */
  int hostRank() {
    if (host.equals("*")) {
      return 0;
    }
    return host.startsWith("*.") ? 1 : 2;
  }

  private boolean hostMatches(String requestHost) {
    if (host.equals("*")) {
      return true;
    }
    if (requestHost == null) {
      return false;
    }
    if (host.startsWith("*.")) {
      String suffix = host.substring(1);
      return requestHost.length() > suffix.length() && requestHost.regionMatches(true, requestHost.length() - suffix.length(), suffix, 0, suffix.length());
    }
    return host.equalsIgnoreCase(requestHost);
  }

  private boolean pathMatches(String path) {
    if (!path.startsWith(pathPrefix)) {
      return false;
    }
    if (path.length() == pathPrefix.length() || pathPrefix.endsWith("/")) {
      return true;
    }
    char next = path.charAt(pathPrefix.length());
    return next == '/' || next == '?';
  }
}
