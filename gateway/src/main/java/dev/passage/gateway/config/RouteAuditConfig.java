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
 */
public record RouteAuditConfig(
    Boolean enabled,
    Boolean requestBody,
    Boolean responseBody,
    Long maxBodyBytes,
    List<String> keepContentTypes,
    RedactConfig redact) {

  public static final RouteAuditConfig DEFAULT = new RouteAuditConfig(null, null, null, null, null, null);

  public RouteAuditConfig {
    enabled = enabled == null ? Boolean.TRUE : enabled;
    requestBody = requestBody == null ? Boolean.TRUE : requestBody;
    responseBody = responseBody == null ? Boolean.TRUE : responseBody;
    maxBodyBytes = maxBodyBytes == null ? 65536L : maxBodyBytes;
    redact = redact == null ? RedactConfig.DEFAULT : redact;
  }
}
