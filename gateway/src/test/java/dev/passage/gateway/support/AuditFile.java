package dev.passage.gateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** The gateway's JSONL audit file, read the way an operator would: one JSON object per line. */
public final class AuditFile {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;

  public AuditFile(Path path) {
    this.path = path;
  }

  /** The record whose {@code id} is {@code id}, polling until it is written; null after {@code millis}. */
  public JsonNode await(String id, long millis) throws IOException, InterruptedException {
    return awaitBy("id", id, millis);
  }

  /** The first record whose top-level {@code field} is {@code value}; null after {@code millis}. */
  public JsonNode awaitBy(String field, String value, long millis) throws IOException, InterruptedException {
    String line = awaitLine(field, value, millis);
    return line == null ? null : JSON.readTree(line);
  }

  /** The raw line of that record, as written; null after {@code millis}. */
  public String awaitLine(String field, String value, long millis) throws IOException, InterruptedException {
    long end = System.currentTimeMillis() + millis;
    do {
      for (String line : lines()) {
        if (line.isBlank()) {
          continue;
        }
        if (value.equals(JSON.readTree(line).path(field).asText(null))) {
          return line;
        }
      }
      Thread.sleep(25);
    } while (System.currentTimeMillis() < end);
    return null;
  }

  private List<String> lines() throws IOException {
    try {
      return completeLines(path);
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  /**
   * The file's complete lines: a live audit file may end in a line the writer is part-way through
   * (lines reach the file in buffer-sized pieces), which is not a record yet.
   */
  public static List<String> completeLines(Path file) throws IOException {
    String text = Files.readString(file);
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
  }
}
