package dev.passage.gateway.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A file sink's trail (the active file and its {@code .N.gz} generations) held as lines per file in
 * write order, to be tampered with and written out again as a copy, compressed as it was.
 */
public final class TrailCopy {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern GENERATION = Pattern.compile(".*\\.([0-9]+)\\.gz");

  /** File name to its lines (without newlines), oldest file first. */
  public final Map<String, List<String>> files;

  private TrailCopy(Map<String, List<String>> files) {
    this.files = files;
  }

  public static TrailCopy read(Path dir, String activeName) throws IOException {
    List<Path> found;
    try (Stream<Path> s = Files.list(dir)) {
      found = s.filter(p -> p.getFileName().toString().startsWith(activeName)).sorted(Comparator
          .comparingLong(TrailCopy::age).reversed()).toList();
    }
    Map<String, List<String>> files = new LinkedHashMap<>();
    for (Path p : found) {
      String text;
      try (InputStream in = p.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(p)) : Files.newInputStream(p)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      files.put(p.getFileName().toString(), new ArrayList<>(text.lines().toList()));
    }
    return new TrailCopy(files);
  }

  /** Generation N is N files old; the active file is 0. */
  private static long age(Path p) {
    Matcher m = GENERATION.matcher(p.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : 0;
  }

  public TrailCopy copy() {
    Map<String, List<String>> c = new LinkedHashMap<>();
    files.forEach((k, v) -> c.put(k, new ArrayList<>(v)));
    return new TrailCopy(c);
  }

  public List<String> names() {
    return new ArrayList<>(files.keySet());
  }

  public List<String> lines(int file) {
    return files.get(names().get(file));
  }

  /** The chain seq of a line (1-based line number). */
  public long seq(int file, int line) throws IOException {
    return JSON.readTree(lines(file).get(line - 1)).path("chain").path("seq").asLong();
  }

  /** Writes every file into {@code dir} (created), gzip files compressed again; returns their paths. */
  public List<Path> writeTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Path> out = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : files.entrySet()) {
      Path p = dir.resolve(e.getKey());
      ByteArrayOutputStream text = new ByteArrayOutputStream();
      for (String line : e.getValue()) {
        text.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
      }
      try (OutputStream o = e.getKey().endsWith(".gz") ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
        text.writeTo(o);
      }
      out.add(p);
    }
    return out;
  }
}
