package dev.passage.gateway.admin;

import dev.passage.gateway.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks {@code Authorization: Bearer <token>}. The comparison takes the same time wherever the
 * first wrong byte is, so response timing cannot be used to guess the token byte by byte.
 */
final class BearerAuth {

  private static final Logger log = LoggerFactory.getLogger(BearerAuth.class);
  private static final String PREFIX = "Bearer ";

  private final byte[] expected;
  private final Counter missing;
  private final Counter invalid;

  BearerAuth(String token, MeterRegistry registry) {
    this.expected = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.missing = failures(registry, "missing");
    this.invalid = failures(registry, "invalid");
  }

  /** True when the request carries the token; otherwise counts, logs and answers 401 itself. */
  boolean admit(HttpServerRequest request) {
    String header = request.getHeader("Authorization");
    boolean present = header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    if (present && expected != null
        && MessageDigest.isEqual(expected, header.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8))) {
      return true;
    }
    String reason = present ? "invalid" : "missing";
    (present ? invalid : missing).increment();
    // The presented value is never logged: a near-miss token is still a secret.
    log.warn("admin: rejected {} {} from {}: {} bearer token", request.method(), request.path(),
        request.remoteAddress(), reason);
    request.response()
        .setStatusCode(401)
        .putHeader("WWW-Authenticate", "Bearer")
        .putHeader("content-type", "application/json")
        .end("{\"error\":\"unauthorized\",\"status\":401}\n");
    return false;
  }

  private static Counter failures(MeterRegistry registry, String reason) {
    return Counter.builder(MetricNames.ADMIN_AUTH_FAILURES)
        .description("admin requests refused for a missing or wrong bearer token")
        .tag(MetricNames.TAG_REASON, reason)
        .register(registry);
  }
}
