package dev.passage.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the checkpoints {@code verify --anchor} compares a trail with, from one of: an anchor file
 * ({@code audit.integrity.anchor.path}: checkpoint lines), a saved answer of {@code /audit/head} (a
 * JSON document), or {@code /audit/head} itself at an http(s) URL, asked with a bearer token. Told
 * apart by the URL scheme, then by the file's first line.
 */
final class AnchorReader {

  /** A checkpoint and where it was read: file and line, or URL and its place in the document. */
  record Entry(String file, long line, String where, Checkpoint checkpoint) {}

  /** What an anchor holds: its checkpoints, and the lines of checkpoints cut by a crash (skipped). */
  record Anchor(List<Entry> entries, int cutLines) {}

  /** Larger than any /audit/head answer (one checkpoint of about 300 bytes per sink). */
  static final int MAX_HEAD_BYTES = 16 * 1024 * 1024;
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);

  private AnchorReader() {}

  /** The anchor's checkpoints; IOException saying why the anchor cannot be used (unusable input). */
  static Anchor read(String anchor, String token) throws IOException {
    if (anchor.startsWith("http://") || anchor.startsWith("https://")) {
      return new Anchor(head(anchor, fetch(anchor, token)), 0);
    }
    if (token != null) {
      throw new IOException("--anchor-token applies to an http(s) --anchor only");
    }
    Path file = Path.of(anchor);
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IOException("cannot read the anchor " + anchor);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] start = in.readNBytes(64);
      String s = new String(start, java.nio.charset.StandardCharsets.US_ASCII).stripLeading();
      if (s.startsWith("{") && !s.startsWith("{\"type\":\"checkpoint\",")) {
        if (Files.size(file) > MAX_HEAD_BYTES) {
          throw new IOException("anchor " + anchor + " is not checkpoint lines and is larger than an /audit/head answer");
        }
        return new Anchor(head(anchor, Files.readAllBytes(file)), 0);
      }
    }
    return lines(file);
  }

  /**
   * Checkpoints from a source (a Kafka anchor topic: one checkpoint per record). A record that is not
   * a checkpoint makes the anchor unusable, as in a file.
   */
  static Anchor read(TrailSource source) throws IOException {
    List<Entry> out = new ArrayList<>();
    try (SourceLines lines = new SourceLines(source)) {
      for (TrailLine l = lines.next(); l != null; l = lines.next()) {
        if (l.kind() != TrailLine.Kind.CHECKPOINT) {
          throw new IOException("anchor " + source.describe() + ": the record at " + TrailFinding.place(l.file(), l.line())
              + " is not a checkpoint");
        }
        limit(out.size(), source.describe());
        out.add(new Entry(l.file(), l.line(), "anchor checkpoint", l.checkpoint()));
      }
    }
    return new Anchor(out, 0);
  }

  /**
   * An anchor file: one checkpoint per line. A line that begins as a checkpoint and is not JSON is one
   * an append cut short (a crash; the gateway ends such a fragment before appending again): skipped
   * and counted. Any other line makes the anchor unusable.
   */
  private static Anchor lines(Path file) throws IOException {
    List<Entry> out = new ArrayList<>();
    int cut = 0;
    try (TrailReader r = new TrailReader(List.of(file))) {
      for (TrailLine l = r.next(); l != null; l = r.next()) {
        if (l.kind() == TrailLine.Kind.BAD && l.problem().startsWith(TrailLine.CUT_CHECKPOINT)) {
          cut++;
          continue;
        }
        if (l.kind() != TrailLine.Kind.CHECKPOINT) {
          throw new IOException("anchor " + file + " line " + l.line() + " is not a checkpoint");
        }
        limit(out.size(), file.toString());
        out.add(new Entry(l.file(), l.line(), "anchor checkpoint", l.checkpoint()));
      }
    }
    return new Anchor(out, cut);
  }

  /**
   * An {@code /audit/head} answer: {@code {"streams":[{"stream":…,"checkpoint":{…}|null},…],…}}.
   * Findings name the document and line 1 (it is served on one line), and the stream's index.
   */
  private static List<Entry> head(String source, byte[] body) throws IOException {
    JsonNode doc;
    try {
      doc = TrailLine.json(body);
    } catch (IOException e) {
      throw new IOException("anchor " + source + " is neither checkpoint lines nor an /audit/head answer (not JSON: "
          + e.getMessage() + ")", e);
    }
    if (doc == null || !doc.path("streams").isArray()) {
      throw new IOException("anchor " + source + " is neither checkpoint lines nor an /audit/head answer (no \"streams\")");
    }
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < doc.get("streams").size(); i++) {
      JsonNode c = doc.get("streams").get(i).path("checkpoint");
      if (c.isMissingNode() || c.isNull()) {
        continue; // no checkpoint stored yet in this run
      }
      try {
        limit(out.size(), source);
        out.add(new Entry(source, 1, "/audit/head checkpoint streams[" + i + "]", Checkpoint.fromJson(c)));
      } catch (IllegalArgumentException e) {
        throw new IOException("anchor " + source + " streams[" + i + "].checkpoint is not a checkpoint: " + e.getMessage(), e);
      }
    }
    return out;
  }

  private static void limit(int n, String source) throws IOException {
    if (n >= AuditVerify.MAX_ANCHOR_CHECKPOINTS) {
      throw new IOException("anchor " + source + " holds more than " + AuditVerify.MAX_ANCHOR_CHECKPOINTS + " checkpoints");
    }
  }

  private static byte[] fetch(String url, String token) throws IOException {
    HttpRequest.Builder req;
    try {
      req = HttpRequest.newBuilder(URI.create(url)).timeout(HTTP_TIMEOUT).GET();
    } catch (IllegalArgumentException e) {
      throw new IOException("--anchor " + url + " is not a valid URL: " + e.getMessage(), e);
    }
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
    HttpResponse<InputStream> r;
    try {
      r = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + url, e);
    } catch (IOException e) {
      throw new IOException("cannot get the anchor from " + url + ": " + e, e);
    }
    try (InputStream in = r.body()) {
      byte[] body = in.readNBytes(MAX_HEAD_BYTES + 1);
      if (r.statusCode() != 200) {
        String text = new String(body, 0, Math.min(body.length, 200), java.nio.charset.StandardCharsets.UTF_8).strip();
        throw new IOException("the anchor " + url + " answered " + r.statusCode()
            + (r.statusCode() == 401 ? " (a missing or wrong --anchor-token)" : "") + ": " + text);
      }
      if (body.length > MAX_HEAD_BYTES) {
        throw new IOException("the anchor " + url + " answered more than " + MAX_HEAD_BYTES + " bytes");
      }
      return body;
    }
  }
}
