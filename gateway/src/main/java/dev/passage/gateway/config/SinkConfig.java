package dev.passage.gateway.config;

/**
 * One audit sink.
 *
 * @param type         {@code file} (JSON lines)
 * @param path         file path for {@code file} (required for it)
 * @param maxFileBytes rotate when the file would grow past this (default 100 MiB)
 * @param maxFiles     rotated, gzip-compressed files to keep (default 10)
 */
public record SinkConfig(String type, String path, Long maxFileBytes, Integer maxFiles) {

  public SinkConfig {
    type = type == null ? "file" : type;
    maxFileBytes = maxFileBytes == null ? 100L * 1024 * 1024 : maxFileBytes;
    maxFiles = maxFiles == null ? 10 : maxFiles;
  }
}
