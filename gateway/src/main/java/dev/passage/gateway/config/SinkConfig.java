package dev.passage.gateway.config;

/**
 * One audit sink.
 *
 * @param type         {@code file} (JSON lines)
 * @param path         file path for {@code file} (required for it)
 * @param maxFileBytes rotate when the file would grow past this (default 100 MiB). Rotation renames
 *                     the file and goes on with a fresh one; a background thread gzips the renamed
 *                     file into {@code <path>.1.gz}, older generations becoming {@code .2.gz},
 *                     {@code .3.gz}, … While 4 renamed files still wait for it, the active file
 *                     grows past this limit instead of rotating, so writing never waits for gzip.
 * @param maxFiles     compressed generations to keep, 1..10000. Default: unset, every generation is
 *                     kept and nothing is ever deleted. When set, each generation deleted past it is
 *                     logged (WARN, with its file name) and counted in
 *                     {@code passage_audit_generations_deleted_total}.
 */
public record SinkConfig(String type, String path, Long maxFileBytes, Integer maxFiles) {

  public SinkConfig {
    type = type == null ? "file" : type;
    maxFileBytes = maxFileBytes == null ? 100L * 1024 * 1024 : maxFileBytes;
  }
}
