package dev.passage.gateway.config;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in a config file, reported together so one edit can fix them all. */
public final class ConfigException extends Exception {

  private final List<ConfigError> errors;

  public ConfigException(List<ConfigError> errors) {
    super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
    this.errors = List.copyOf(errors);
  }

  public List<ConfigError> errors() {
    return errors;
  }
}
