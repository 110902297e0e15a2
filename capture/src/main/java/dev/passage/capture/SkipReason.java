package dev.passage.capture;

/** Why a body was counted and digested but none of it was kept for the audit record. */
public enum SkipReason {
  /** The content policy does not keep this media type (downloads, event streams, attachments). */
  CONTENT_TYPE("content_type"),
  /**
   * The capture budget (global, or the route's share of it) refused the body's first reservation. A
   * body refused a later one keeps its prefix and is truncated instead.
   */
  BUDGET("budget"),
  /** A long-lived stream (Server-Sent Events) whose bytes are counted, never kept. */
  STREAM("stream"),
  /** Bytes of an upgraded (WebSocket) connection. */
  WEBSOCKET("websocket"),
  /** Capture of this body is switched off for the route. */
  DISABLED("disabled"),
  /**
   * A body of a type Passage redacts (JSON, forms) in a Content-Encoding it cannot decode (unknown
   * or stacked codings, or br without the native library): its wire bytes would carry the
   * unredacted secrets, so nothing is recorded. Decided when rendering, after the bytes passed.
   */
  ENCODING("encoding");

  private final String wireName;

  SkipReason(String wireName) {
    this.wireName = wireName;
  }

  /** The value written into audit records. */
  public String wireName() {
    return wireName;
  }
}
