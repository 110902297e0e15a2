package dev.passage.gateway.edge;

import java.util.Locale;

/**
 * Every reason the gateway refuses a request by itself, and the one place that maps it to the
 * status the client gets. The wire name is the audit record's {@code reason} and the
 * {@code reason} label of {@code passage_requests_rejected_total}: a closed set, so dashboards and
 * alerts can rely on it. The RFC section each follows is in docs/security.md.
 */
public enum RefusalReason {
  BAD_REQUEST_LINE(400, "malformed request line"),
  REQUEST_LINE_TOO_LONG(414, "request line too long"),
  UNSUPPORTED_VERSION(505, "HTTP version not supported; use HTTP/1.1"),
  HTTP2_PREFACE(505, "HTTP/2 without negotiation is not supported here; use HTTP/1.1"),
  BAD_TARGET(400, "malformed request target"),
  CONNECT_UNSUPPORTED(501, "CONNECT is not supported"),
  BAD_PATH(400, "malformed path"),
  ENCODED_SLASH(400, "encoded slash or backslash in the path"),
  MISSING_HOST(400, "missing Host header"),
  DUPLICATE_HOST(400, "more than one Host header"),
  BAD_HOST(400, "malformed Host header"),
  BAD_HEADER(400, "malformed header field"),
  HEADERS_TOO_LARGE(431, "request header fields too large"),
  TOO_MANY_HEADERS(431, "too many request header fields"),
  BAD_CONTENT_LENGTH(400, "invalid Content-Length"),
  TE_AND_CL(400, "both Transfer-Encoding and Content-Length"),
  TE_HTTP10(400, "Transfer-Encoding in an HTTP/1.0 request"),
  BAD_TRANSFER_ENCODING(400, "Transfer-Encoding must be a single final chunked"),
  UNKNOWN_TRANSFER_ENCODING(501, "unknown transfer coding"),
  BAD_CHUNK(400, "malformed chunked body"),
  EXPECTATION_FAILED(417, "unsupported expectation"),
  HEADER_TIMEOUT(408, "request header not received in time"),
  BODY_TIMEOUT(408, "request body not received in time"),
  BODY_TOO_LARGE(413, "request body too large"),
  NO_ROUTE(404, "no route matches this request"),
  AUDIT_BACKLOG(503, "audit trail saturated; retry later");

  private final int status;
  private final String message;
  private final String wireName;

  RefusalReason(int status, String message) {
    this.status = status;
    this.message = message;
    this.wireName = name().toLowerCase(Locale.ROOT);
  }

  /** The status the client gets. */
  public int status() {
    return status;
  }

  /** A short text for the JSON error body; never contains request data. */
  public String message() {
    return message;
  }

  /** The audit record's {@code reason} and the metric label. */
  public String wireName() {
    return wireName;
  }
}
