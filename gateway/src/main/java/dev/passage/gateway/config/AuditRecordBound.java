package dev.passage.gateway.config;

/**
 * The largest audit record a config's capture limits allow, in bytes of JSON: what a sink that
 * refuses records past a size (Kafka's {@code max.request.size} and the topic's {@code
 * max.message.bytes}) must take so that no record is ever refused for its size.
 *
 * <p>A record holds at most the request line and header block the front door accepts, a status line
 * and a response header block of the same limit, and per body at most {@code max_body_bytes} kept
 * bytes. Each of those bytes is written as at most 6 bytes of JSON (a control byte becomes a six-byte
 * unicode escape; base64 costs 4/3, a redaction placeholder in a form body at most about 4.3), so 6 per byte
 * is an upper bound, and far above what real traffic makes (a JSON body costs about 1.1: its quotes
 * are escaped). The rest (ids, times, sizes, digests, chain links, Kafka's own record headers) is
 * well under {@link #FIXED_BYTES}.
 */
public final class AuditRecordBound {

  /** JSON bytes a kept byte can become at most. */
  static final int JSON_BYTES_PER_BYTE = 6;
  /** The response's status line, which Passage's upstream codec caps as it does a request line. */
  static final int STATUS_LINE_BYTES = 8192;
  /** Everything else in a record, and Kafka's per-record overhead, with room to spare. */
  static final int FIXED_BYTES = 16 * 1024;

  private AuditRecordBound() {}

  /** The bound for {@code config}: its routes' body limits and the server's head limits. */
  public static long bytes(PassageConfig config) {
    ServerConfig server = config.server();
    long heads = (long) server.maxInitialLineBytes() + server.maxHeaderBytes() + STATUS_LINE_BYTES + server.maxHeaderBytes();
    long bodies = 0;
    for (RouteConfig route : config.routes()) {
      RouteAuditConfig a = route.audit();
      if (a.enabled()) {
        long kept = (a.requestBody() ? a.maxBodyBytes() : 0) + (a.responseBody() ? a.maxBodyBytes() : 0);
        bodies = Math.max(bodies, kept);
      }
    }
    return JSON_BYTES_PER_BYTE * (heads + bodies) + FIXED_BYTES;
  }
}
