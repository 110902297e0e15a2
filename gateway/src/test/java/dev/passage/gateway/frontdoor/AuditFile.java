package dev.passage.gateway.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** The gateway's JSONL audit file, read the way an operator would: one JSON object per line. */
final class AuditFile {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;

  AuditFile(Path path) {
    this.path = path;
  }

  /** The record whose {@code id} is {@code id}, polling until it is written; null after {@code millis}. */
  JsonNode await(String id, long millis) throws IOException, InterruptedException {
    long end = System.currentTimeMillis() + millis;
    do {
      for (String line : lines()) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode rec = JSON.readTree(line);
        if (id.equals(rec.path("id").asText(null))) {
          return rec;
        }
      }
      Thread.sleep(25);
    } while (System.currentTimeMillis() < end);
    return null;
  }

  private List<String> lines() throws IOException {
    try {
      return Files.readAllLines(path);
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }
}
