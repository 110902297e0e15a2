package dev.passage.capture;

import java.util.Arrays;
import java.util.Base64;

/**
 * Turns a {@link RawCapture} into the {@code body} of an audit record: decompresses (bounded),
 * redacts JSON and form bodies, and encodes the result as text or base64. Runs on the audit writer
 * thread, off the request path, which is why the costly steps live here and not in {@link BodyTee}.
 * One instance may be shared; it holds no per-call state.
 */
public final class BodyRenderer {

  private final Redaction redaction;
  private final int maxDecodedBytes;

  /**
   * @param maxDecodedBytes most bytes a decompressed body may expand to in memory
   * @throws IllegalArgumentException if {@code rules} is null or {@code maxDecodedBytes} is outside
   *     0..{@value BodyTee#MAX_KEEP_BYTES}
   */
  public BodyRenderer(RedactionRules rules, long maxDecodedBytes) {
    if (maxDecodedBytes < 0 || maxDecodedBytes > BodyTee.MAX_KEEP_BYTES) {
      throw new IllegalArgumentException(
          "maxDecodedBytes must be within 0.." + BodyTee.MAX_KEEP_BYTES + ", got " + maxDecodedBytes);
    }
    this.redaction = new Redaction(rules);
    this.maxDecodedBytes = (int) maxDecodedBytes;
  }

  /**
   * Whether the Brotli native library loaded on this machine. When it did not, {@code br} bodies are
   * recorded as their compressed bytes in base64 with {@code decodedFrom} null.
   */
  public static boolean brotliAvailable() {
    return Decompression.brotliAvailable();
  }

  /** Renders {@code raw}; never throws on odd content (it is recorded, not interpreted). */
  public RenderedBody render(RawCapture raw) {
    if (raw.skipped() != null) {
      return new RenderedBody(raw.bytes(), raw.sha256(), 0, false, null, null, null, raw.skipped().wireName());
    }
    byte[] kept = raw.kept() == null ? new byte[0] : raw.kept();
    int keptLength = Math.max(0, Math.min(raw.keptLength(), kept.length));
    Decompression.Decoded decoded =
        Decompression.decode(raw.contentEncoding(), kept, keptLength, maxDecodedBytes);
    String essence = MediaType.essence(raw.contentType());
    if (decoded.opaque()) {
      // Redaction cannot see into bytes it cannot decode (an unknown or stacked coding), whatever
      // the content type claims; recording them would keep a secret one decompression away.
      return new RenderedBody(raw.bytes(), raw.sha256(), 0, false, null, null, null, SkipReason.ENCODING.wireName());
    }
    boolean truncated = raw.truncated() || decoded.cut();
    byte[] content = decoded.bytes();
    int length = decoded.length();
    if (MediaType.isJson(essence) || looksLikeJson(essence, content, length)) {
      JsonRedactor.Result redacted = redaction.json(content, length);
      // Output stopped at a parse error, so the record holds less than the body: say so.
      truncated |= !redacted.complete();
      content = redacted.bytes();
      length = content.length;
    } else if (MediaType.isForm(essence)) {
      content = redaction.form(content, length);
      length = content.length;
    }
    String text = Utf8.text(content, length, truncated);
    return new RenderedBody(raw.bytes(), raw.sha256(), decoded.length(), truncated,
        text == null ? "base64" : "utf8", text == null ? base64(content, length) : text,
        decoded.from(), null);
  }

  /**
   * JSON sent as text/plain, or with no type at all, is still JSON to whoever reads the record:
   * redact it as JSON when it starts like a JSON object or array.
   */
  private static boolean looksLikeJson(String essence, byte[] content, int length) {
    if (essence != null && !essence.startsWith("text/")) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      byte b = content[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return b == '{' || b == '[';
      }
    }
    return false;
  }

  private static String base64(byte[] bytes, int length) {
    return Base64.getEncoder().encodeToString(length == bytes.length ? bytes : Arrays.copyOf(bytes, length));
  }
}
