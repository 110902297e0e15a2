package dev.passage.capture;

/**
 * The {@code body} object of an audit record: a {@link RawCapture} after decoding, redaction and
 * text/base64 encoding. Field names match docs/audit-record.md.
 *
 * @param bytes       total wire bytes of the body
 * @param sha256      hex SHA-256 of the wire bytes
 * @param keptBytes   length in bytes of the kept (decoded) content before text/base64 encoding
 * @param truncated   true when the body (or its decoded form) was longer than what was kept
 * @param encoding    "utf8" or "base64", or null when nothing was kept
 * @param content     the kept content, or null
 * @param decodedFrom "gzip", "deflate" or "br" when the kept copy was decompressed, else null
 * @param skipped     the {@link SkipReason#wireName()} when nothing was kept, else null
 */
public record RenderedBody(
    long bytes,
    String sha256,
    long keptBytes,
    boolean truncated,
    String encoding,
    String content,
    String decodedFrom,
    String skipped) {}
