package dev.passage.audit;

import dev.passage.capture.RenderedBody;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Records used across tests: one with every field set, one with every nullable field null. */
final class Records {

  private Records() {}

  static AuditRecord full(String id) {
    return new AuditRecord(
        id,
        Instant.parse("2026-03-01T12:34:56.789Z"),
        42,
        "users",
        "203.0.113.9",
        "POST",
        "/users?page=2",
        AuditRecord.headers(
            List.of(
                Map.entry("Content-Type", "application/json"),
                Map.entry("Accept", "text/html"),
                Map.entry("accept", "application/json"))),
        new RenderedBody(17, "ab".repeat(32), 17, false, "utf8", "{\"name\":\"ünï\"}\n", null, null),
        201,
        AuditRecord.headers(List.of(Map.entry("Content-Encoding", "gzip"))),
        new RenderedBody(4000, "cd".repeat(32), 1024, true, "base64", "AAEC", "gzip", null),
        "http://10.0.0.5:8080",
        7L,
        Outcome.OK,
        null);
  }

  static AuditRecord minimal(String id) {
    return new AuditRecord(
        id,
        Instant.parse("2026-03-01T12:00:00Z"),
        0,
        null,
        null,
        "GET",
        "/",
        Map.of(),
        null,
        null,
        null,
        null,
        null,
        null,
        Outcome.CLIENT_ABORT,
        "client closed the connection");
  }

  static AuditRecord of(String id, String route, int status, Outcome outcome) {
    AuditRecord f = full(id);
    return new AuditRecord(
        id, f.ts(), f.durationMs(), route, f.clientIp(), "GET", "/" + route + "/" + id,
        f.requestHeaders(), f.requestBody(), status, f.responseHeaders(), f.responseBody(),
        f.upstreamTarget(), f.upstreamTtfbMs(), outcome, null);
  }
}
