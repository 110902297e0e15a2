package dev.passage.gateway.admin;

/**
 * Access policy of the admin listener.
 *
 * @param token                  bearer token for {@code /debug/*}; null or blank disables
 *                               {@code /debug} entirely (404), since heap histograms and flight
 *                               recordings expose internals
 * @param publicHealthAndMetrics whether {@code /health/*} and {@code /metrics} answer without the
 *                               token (default true: probes and scrapers usually carry none)
 */
public record AdminSettings(String token, boolean publicHealthAndMetrics) {

  public AdminSettings {
    // Trimmed like the presented token, so a stray space in the config cannot lock everyone out.
    token = token == null || token.isBlank() ? null : token.trim();
    if (!publicHealthAndMetrics && token == null) {
      // Refused rather than quietly opened or closed: with no token nothing could ever pass.
      throw new IllegalArgumentException(
          "admin: public_metrics is false but no token is set; set admin.token or allow public health and metrics");
    }
  }

  /** Health and metrics public, {@code /debug} behind {@code token} (or off without one). */
  public AdminSettings(String token) {
    this(token, true);
  }

  boolean debugEnabled() {
    return token != null;
  }
}
