package dev.passage.gateway.config;

import java.util.List;

/**
 * Request matching. A route with a longer path prefix wins; on equal prefixes an exact host wins
 * over a wildcard.
 *
 * @param host       exact host (port ignored), {@code *.example.com} suffix wildcard, or {@code *}
 *                   for any (default {@code *})
 * @param pathPrefix path prefix on segment boundaries: {@code /api} takes {@code /api} and
 *                   {@code /api/x}, not {@code /apix} (required)
 * @param methods    allowed methods; empty means any (default any)
 */
public record MatchConfig(String host, String pathPrefix, List<String> methods) {

  public MatchConfig {
    host = host == null ? "*" : host;
    methods = methods == null ? List.of() : List.copyOf(methods);
  }
}
