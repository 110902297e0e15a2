package dev.passage.gateway.config;

import java.util.List;

/**
 * What the audit trail keeps of one route's exchanges. Every exchange gets a record with sizes and
 * digests; these settings decide which body bytes are kept in it.
 *
 * @param enabled          write records for this route (default true)
 * @param requestBody      keep request body bytes (default true)
 * @param responseBody     keep response body bytes (default true)
 * @param maxBodyBytes     kept bytes per body, before and after decompression (default 65536)
 * @param keepContentTypes media types whose bodies are kept (default JSON, text, XML, forms)
 * @param redact           names whose values are replaced by {@code [redacted]}
 * @param budgetShare      the most of {@code audit.budget_bytes} this route's kept bodies may hold
 *                         at once, as a fraction in (0, 1] (default 0.25), so that one route (and
 *                         the clients calling it) cannot take the whole capture budget; it must
 *                         leave room for one body of {@code max_body_bytes}
 * @param digest           SHA-256 of every body byte in the record (default true); off, bodies are
 *                         only counted (and kept as configured): for bulk downloads where a core's
 *                         hashing rate, not the network, would bound the route
 */
public record RouteAuditConfig(
    Boolean enabled,
    Boolean requestBody,
    Boolean responseBody,
    Long maxBodyBytes,
    List<String> keepContentTypes,
    RedactConfig redact,
    Double budgetShare,
    Boolean digest) {

  public static final RouteAuditConfig DEFAULT = new RouteAuditConfig(null, null, null, null, null, null);

  /** The config with the default budget share. */
  public RouteAuditConfig(Boolean enabled, Boolean requestBody, Boolean responseBody, Long maxBodyBytes,
      List<String> keepContentTypes, RedactConfig redact) {
    this(enabled, requestBody, responseBody, maxBodyBytes, keepContentTypes, redact, null, null);
  }

  public RouteAuditConfig {
    enabled = enabled == null ? Boolean.TRUE : enabled;
    requestBody = requestBody == null ? Boolean.TRUE : requestBody;
    responseBody = responseBody == null ? Boolean.TRUE : responseBody;
    maxBodyBytes = maxBodyBytes == null ? 65536L : maxBodyBytes;
    redact = redact == null ? RedactConfig.DEFAULT : redact;
    budgetShare = budgetShare == null ? 0.25 : budgetShare;
    digest = digest == null ? Boolean.TRUE : digest;
  }

  /** This route's share of a global budget of {@code budgetBytes}, in bytes. */
  public long shareBytes(long budgetBytes) {
    return (long) Math.floor(budgetShare * budgetBytes);
  }
}
