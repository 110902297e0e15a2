package dev.passage.gateway.config;

/**
 * One problem in a config file, printed as {@code passage.yaml:14 routes[2].upstream.targets[0]: not an http(s) URL}.
 *
 * @param file    the file name as given
 * @param line    1-based line, or 0 when unknown
 * @param path    the field's path, e.g. {@code routes[2].upstream.targets[0]}; empty for the root
 * @param message what is wrong, in words a user can act on
 */
public record ConfigError(String file, int line, String path, String message) {

  @Override
  public String toString() {
    String where = line > 0 ? file + ":" + line : file;
    return path.isEmpty() ? where + ": " + message : where + " " + path + ": " + message;
  }
}
