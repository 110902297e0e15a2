package dev.passage.gateway.config;

/**
 * The admin listener: health, Prometheus metrics and memory diagnostics, never on the proxy port.
 *
 * @param listen        {@code host:port} to bind; the admin API is off when null
 * @param token         bearer token for {@code /debug/*}; without one {@code /debug} is disabled.
 *                      Usually {@code ${PASSAGE_ADMIN_TOKEN}}
 * @param publicMetrics whether {@code /health} and {@code /metrics} are served without the token
 *                      (default true)
 */
public record AdminConfig(String listen, String token, Boolean publicMetrics) {

  public AdminConfig {
    publicMetrics = publicMetrics == null ? Boolean.TRUE : publicMetrics;
  }
}
