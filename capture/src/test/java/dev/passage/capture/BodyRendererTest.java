package dev.passage.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aayushatharva.brotli4j.encoder.BrotliOutputStream;
import com.aayushatharva.brotli4j.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class BodyRendererTest {

  private static final int MIB = 1024 * 1024;
  private final BodyRenderer renderer = new BodyRenderer(RedactionRules.defaults(), 64 * 1024);

  /** Runs {@code body} through a real tee, as the gateway does, and finishes it. */
  private static RawCapture capture(byte[] body, long maxBodyBytes, String type, String encoding) {
    BodyTee tee = BodyTee.keeping(new CaptureBudget(64L * MIB), maxBodyBytes, -1, type, encoding);
    for (int off = 0; off < body.length; off += 16 * 1024) {
      tee.accept(ByteBuffer.wrap(body, off, Math.min(16 * 1024, body.length - off)));
    }
    return tee.finish();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] body) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(body);
    }
    return out.toByteArray();
  }

  private static byte[] deflate(byte[] body, boolean raw) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, raw);
    try (DeflaterOutputStream d = new DeflaterOutputStream(out, deflater)) {
      d.write(body);
    } finally {
      deflater.end();
    }
    return out.toByteArray();
  }

  /** Brotli-encodes with brotli4j's native encoder, which needs the library the renderer loads. */
  private static byte[] brotli(byte[] body) throws Exception {
    assertTrue(BodyRenderer.brotliAvailable(), "brotli4j native library for this platform");
    return Encoder.compress(body);
  }

  @Test
  void skippedBodyRendersCountAndDigestOnly() throws Exception {
    byte[] body = utf8("data: hello\n\n");
    BodyTee tee = BodyTee.skipping(SkipReason.STREAM, "text/event-stream", null);
    tee.accept(ByteBuffer.wrap(body));
    RenderedBody rendered = renderer.render(tee.finish());
    assertEquals(new RenderedBody(body.length, BodyTeeTest.sha256(body), 0, false, null, null, null, "stream"),
        rendered);
  }

  @Test
  void plainTextIsKeptAsUtf8() throws Exception {
    byte[] body = utf8("h\u00e9llo \u2603");
    RenderedBody rendered = renderer.render(capture(body, 1000, "text/plain", null));
    assertEquals(new RenderedBody(body.length, BodyTeeTest.sha256(body), body.length, false, "utf8",
        "h\u00e9llo \u2603", null, null), rendered);
  }

  @Test
  void gzipBodyIsDecodedAndRedactedButDigestIsOfTheWire() throws Exception {
    byte[] json = utf8("{\"user\":\"al\",\"password\":\"hunter2\"}");
    byte[] wire = gzip(json);
    RenderedBody rendered = renderer.render(capture(wire, 1000, "application/json", "GZIP"));
    assertEquals("{\"user\":\"al\",\"password\":\"[redacted]\"}", rendered.content());
    assertEquals("gzip", rendered.decodedFrom());
    assertEquals(json.length, rendered.keptBytes());
    assertEquals(wire.length, rendered.bytes());
    assertEquals(BodyTeeTest.sha256(wire), rendered.sha256());
    assertFalse(rendered.truncated());
  }

  @Test
  void deflateRawAndZlibBothDecode() throws Exception {
    byte[] text = utf8("the quick brown fox ".repeat(50));
    for (boolean raw : new boolean[] {false, true}) {
      RenderedBody rendered = renderer.render(capture(deflate(text, raw), 10_000, "text/plain", "deflate"));
      assertEquals(new String(text, StandardCharsets.UTF_8), rendered.content(), "raw=" + raw);
      assertEquals("deflate", rendered.decodedFrom());
      assertFalse(rendered.truncated());
    }
  }

  @Test
  void brotliBodyIsDecoded() throws Exception {
    byte[] json = utf8("{\"items\":[" + "{\"token\":\"abc\",\"v\":1},".repeat(100) + "{}]}");
    RenderedBody rendered = renderer.render(capture(brotli(json), 10_000, "application/json", "br"));
    assertEquals("br", rendered.decodedFrom());
    assertEquals(json.length, rendered.keptBytes());
    assertEquals(new String(json, StandardCharsets.UTF_8).replace("\"abc\"", "\"[redacted]\""), rendered.content());
  }

  @Test
  void truncatedCompressedPrefixDecodesAsFarAsItGoes() throws Exception {
    byte[] text = new byte[200_000];
    for (int i = 0; i < text.length; i++) {
      text[i] = (byte) ('a' + (i * 7 + i / 13) % 26);
    }
    for (String encoding : new String[] {"gzip", "deflate", "br"}) {
      byte[] wire = switch (encoding) {
        case "gzip" -> gzip(text);
        case "deflate" -> deflate(text, false);
        default -> brotli(text);
      };
      RawCapture raw = capture(wire, wire.length / 2, "text/plain", encoding);
      assertTrue(raw.truncated());
      RenderedBody rendered = new BodyRenderer(RedactionRules.defaults(), 1_000_000).render(raw);
      assertTrue(rendered.truncated(), encoding);
      assertEquals(encoding, rendered.decodedFrom());
      assertTrue(rendered.keptBytes() > 0 && rendered.keptBytes() < text.length, encoding + " " + rendered.keptBytes());
      assertArrayEquals(Arrays.copyOf(text, (int) rendered.keptBytes()), utf8(rendered.content()), encoding);
    }
  }

  @Test
  void gzipBombYieldsTruncatedRecordWithinCap() throws Exception {
    // About 1 GiB of zeros, gzipped as it is generated: about 1 MiB on the wire.
    ByteArrayOutputStream out = new ByteArrayOutputStream(2 * MIB);
    byte[] zeros = new byte[MIB];
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024)) {
      for (int i = 0; i < 1024; i++) {
        gz.write(zeros);
      }
    }
    byte[] bomb = out.toByteArray();
    assertTrue(bomb.length < 2 * MIB, "bomb is " + bomb.length + " bytes");
    RawCapture raw = capture(bomb, 2 * MIB, "text/plain", "gzip");
    assertFalse(raw.truncated());

    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    RenderedBody rendered = new BodyRenderer(RedactionRules.defaults(), MIB).render(raw);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertTrue(rendered.truncated());
    assertEquals(MIB, rendered.keptBytes());
    assertEquals(MIB, rendered.content().length());
    assertEquals("gzip", rendered.decodedFrom());
    assertTrue(allocated < 16L * MIB, "render allocated " + allocated + " bytes for a 1 MiB cap");
  }

  @Test
  void brotliBombYieldsTruncatedRecordWithinCap() throws Exception {
    assertTrue(BodyRenderer.brotliAvailable());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] zeros = new byte[MIB];
    try (BrotliOutputStream br = new BrotliOutputStream(out, new Encoder.Parameters().setQuality(1))) {
      for (int i = 0; i < 256; i++) {
        br.write(zeros);
      }
    }
    RawCapture raw = capture(out.toByteArray(), 2 * MIB, "text/plain", "br");

    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    RenderedBody rendered = new BodyRenderer(RedactionRules.defaults(), MIB).render(raw);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertTrue(rendered.truncated());
    assertEquals(MIB, rendered.keptBytes());
    assertEquals("br", rendered.decodedFrom());
    assertTrue(allocated < 16L * MIB, "render allocated " + allocated + " bytes for a 1 MiB cap");
  }

  @Test
  void anUndecodableJsonBodyIsNotRecordedBecauseItsSecretsCouldNotBeRedacted() throws Exception {
    byte[] wire = utf8("{\"password\":\"x\"}");
    for (String encoding : new String[] {"zstd", "gzip, br"}) {
      RenderedBody rendered = renderer.render(capture(wire, 1000, "application/json", encoding));
      assertEquals("encoding", rendered.skipped(), encoding);
      assertNull(rendered.content());
      assertNull(rendered.encoding());
      assertEquals(wire.length, rendered.bytes(), "size and digest still describe the wire bytes");
    }
    RenderedBody form = renderer.render(capture(utf8("password=x"), 1000, "application/x-www-form-urlencoded", "zstd"));
    assertEquals("encoding", form.skipped());
    assertNull(form.content());
  }

  @Test
  void anUndecodableBodyIsKeptWithoutContentWhateverItsType() throws Exception {
    // A coding redaction cannot undo would keep a secret one decompression away from the reader.
    byte[] wire = utf8("password=hunter2");
    RenderedBody rendered = renderer.render(capture(wire, 1000, "text/plain", "zstd"));
    assertNull(rendered.content());
    assertNull(rendered.encoding());
    assertEquals("encoding", rendered.skipped());
    assertEquals(wire.length, rendered.bytes());
  }

  @Test
  void invalidUtf8BecomesBase64() throws Exception {
    byte[] body = {'o', 'k', (byte) 0xC3, 0x28, 'x'};
    RenderedBody rendered = renderer.render(capture(body, 1000, "text/plain", null));
    assertEquals("base64", rendered.encoding());
    assertEquals(Base64.getEncoder().encodeToString(body), rendered.content());
    assertEquals(5, rendered.keptBytes());
  }

  @Test
  void multibyteCharacterCutByTheCapIsTrimmedNotBase64() throws Exception {
    byte[] body = utf8("ab\u2603\u2603"); // each snowman is 3 bytes
    RenderedBody rendered = renderer.render(capture(body, 4, "text/plain", null));
    assertTrue(rendered.truncated());
    assertEquals("utf8", rendered.encoding());
    assertEquals("ab", rendered.content());
    assertEquals(4, rendered.keptBytes());
  }

  @Test
  void truncatedJsonBodyIsRedactedAndMarkedTruncated() throws Exception {
    byte[] body = utf8("{\"user\":\"al\",\"password\":\"correct horse battery staple\"}");
    RenderedBody rendered = renderer.render(capture(body, 30, "application/json; charset=utf-8", null));
    assertTrue(rendered.truncated());
    assertEquals("{\"user\":\"al\",\"password\":\"[redacted]\"", rendered.content());
    assertEquals(30, rendered.keptBytes());
  }

  @Test
  void invalidJsonIsCutAtTheErrorAndMarkedTruncated() throws Exception {
    byte[] body = utf8("{\"token\":\"t\" oops \"password\":\"leak\"}");
    RenderedBody rendered = renderer.render(capture(body, 1000, "application/vnd.api+json", null));
    assertTrue(rendered.truncated());
    assertFalse(rendered.content().contains("leak"));
    assertTrue(rendered.content().startsWith("{\"token\":\"[redacted]\""), rendered.content());
  }

  @Test
  void formBodyValuesAreRedactedByQueryParamRules() throws Exception {
    BodyRenderer forms = new BodyRenderer(
        new RedactionRules(java.util.Set.of(), java.util.Set.of(), java.util.Set.of("pin")), 1000);
    RenderedBody rendered = forms.render(capture(utf8("a=1&PIN=1234&b=%20"), 1000,
        "application/x-www-form-urlencoded", null));
    assertEquals("a=1&PIN=[redacted]&b=%20", rendered.content());
  }

  @Test
  void limitsAreCheckedAtConstruction() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new BodyRenderer(RedactionRules.defaults(), -1));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new BodyRenderer(null, 10));
  }
}
