package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.passage.capture.RenderedBody;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One encoder reused for many records writes each exactly as a fresh one would. */
class AuditLineEncoderTest {

  @Test
  void aReusedEncoderWritesEveryRecordAsAFreshOneWould() {
    AuditLineEncoder reused = new AuditLineEncoder();
    List<AuditRecord> records = List.of(Records.full("a"), Records.minimal("b"), huge("c"), Records.full("d"),
        at("e", "2026-03-01T12:34:56.001Z"), at("f", "2026-03-01T12:34:57.010Z"), at("g", "1999-12-31T23:59:59.999Z"));
    for (AuditRecord r : records) {
      byte[] line = reused.encode(r);
      assertArrayEquals(new AuditLineEncoder().encode(r), line, r.id());
      assertEquals(r, AuditRecordJson.fromLine(new String(line, StandardCharsets.UTF_8)), r.id());
    }
  }

  @Test
  void timestampsKeepTheirMillisecondsAcrossSecondsSharingAPrefix() {
    AuditLineEncoder encoder = new AuditLineEncoder();
    for (String ts : new String[] {"2026-03-01T12:34:56.000Z", "2026-03-01T12:34:56.007Z", "2026-03-01T12:34:56.999Z",
        "2026-03-01T12:34:57.050Z", "2026-03-01T12:34:56.100Z"}) {
      String line = new String(encoder.encode(at("t", ts)), StandardCharsets.UTF_8);
      assertEquals(ts, ts(line));
    }
  }

  @Test
  void bodyContentIsEscapedTheSameWhetherAsciiOrNot() throws Exception {
    AuditLineEncoder encoder = new AuditLineEncoder();
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String content : new String[] {"{\"a\":\"b\\\"c\"}\\ \u0000\u0001\u001f\t\r\n\u007f</script>",
        "caf\u00e9 \"\u65e5\u672c\" \ud83d\ude00 \\", "", "\"".repeat(5000)}) {
      AuditRecord f = Records.full("x");
      AuditRecord r = new AuditRecord("x", f.ts(), f.durationMs(), f.route(), f.clientIp(), f.requestMethod(),
          f.requestUri(), f.requestHeaders(), new RenderedBody(content.length(), "ab".repeat(32), content.length(),
              false, "utf8", content, null, null), f.responseStatus(), f.responseHeaders(), f.responseBody(),
          f.upstreamTarget(), f.upstreamTtfbMs(), f.outcome(), f.error());
      String line = new String(encoder.encode(r), StandardCharsets.UTF_8);
      assertEquals(1, line.split("\n", -1).length - 1, "one line: " + line);
      assertEquals(content, json.readTree(line).at("/request/body/content").asText());
    }
  }

  private static String ts(String line) {
    int at = line.indexOf("\"ts\":\"") + 6;
    return line.substring(at, line.indexOf('"', at));
  }

  private static AuditRecord at(String id, String ts) {
    AuditRecord f = Records.full(id);
    return new AuditRecord(id, Instant.parse(ts), f.durationMs(), f.route(), f.clientIp(), f.requestMethod(),
        f.requestUri(), f.requestHeaders(), f.requestBody(), f.responseStatus(), f.responseHeaders(), f.responseBody(),
        f.upstreamTarget(), f.upstreamTtfbMs(), f.outcome(), f.error());
  }

  /** Larger than the buffer the encoder keeps between records. */
  private static AuditRecord huge(String id) {
    AuditRecord f = Records.full(id);
    String content = "\"q\"".repeat(AuditLineEncoder.RETAINED_BUFFER_BYTES / 2);
    return new AuditRecord(id, f.ts(), f.durationMs(), f.route(), f.clientIp(), f.requestMethod(), f.requestUri(),
        f.requestHeaders(), new RenderedBody(content.length(), "ab".repeat(32), content.length(), false, "utf8",
            content, null, null), f.responseStatus(), f.responseHeaders(), f.responseBody(), f.upstreamTarget(),
        f.upstreamTtfbMs(), f.outcome(), f.error());
  }
}
