package dev.passage.gateway.support;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One HTTP/1.x response as read off the wire by {@link RawClient}: headers in arrival order with
 * their names as sent, body with any chunked framing removed.
 */
public record RawResponse(String version, int status, String reason, List<Map.Entry<String, String>> headers, byte[] body) {

  public RawResponse {
    headers = List.copyOf(headers);
  }

  /** The first value of header {@code name} (any case), or null. */
  public String header(String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  /** Every value of header {@code name} (any case), in arrival order. */
  public List<String> headerValues(String name) {
    return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
  }

  /** The body as ISO-8859-1, so every byte maps to one char. */
  public String bodyText() {
    return new String(body, StandardCharsets.ISO_8859_1);
  }

  @Override
  public String toString() {
    return version + " " + status + " " + reason + " " + headers + " " + bodyText();
  }
}
