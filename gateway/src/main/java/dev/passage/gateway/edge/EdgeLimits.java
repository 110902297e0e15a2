package dev.passage.gateway.edge;

import java.time.Duration;

/**
 * The limits the front door enforces, typed and validated before anything binds a port. Defaults
 * and the RFC each follows: docs/security.md.
 *
 * @param maxRequestLineBytes      longest request line (414 beyond)
 * @param maxHeaderBytes           largest header block, field lines together (431 beyond); also bounds trailers
 * @param maxHeaderCount           most field lines (431 beyond)
 * @param maxChunkLineBytes        longest chunk-size line with its extensions (400 beyond)
 * @param maxRequestsPerConnection the response to this request closes the connection
 * @param headerTimeout            a request head must arrive within this time of its first byte (408)
 * @param bodyTimeout              longest pause between two request-body reads (408)
 * @param rejectEncodedSlashes     refuse %2F, %5C and \ in paths (400) instead of passing them
 * @param relayExpectContinue      pass {@code Expect: 100-continue} upstream and relay its 100,
 *                                 instead of answering it once the request is admitted
 */
public record EdgeLimits(
    int maxRequestLineBytes,
    int maxHeaderBytes,
    int maxHeaderCount,
    int maxChunkLineBytes,
    int maxRequestsPerConnection,
    Duration headerTimeout,
    Duration bodyTimeout,
    boolean rejectEncodedSlashes,
    boolean relayExpectContinue) {

  public static final int DEFAULT_MAX_CHUNK_LINE_BYTES = 4096;

  public EdgeLimits {
    if (maxRequestLineBytes < 16 || maxHeaderBytes < 64 || maxHeaderCount < 1 || maxChunkLineBytes < 16
        || maxRequestsPerConnection < 1) {
      throw new IllegalArgumentException("front door limits too small");
    }
  }
}
