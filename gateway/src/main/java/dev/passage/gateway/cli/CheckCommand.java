package dev.passage.gateway.cli;

import dev.passage.gateway.config.ConfigException;
import dev.passage.gateway.config.ConfigLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code passage check}: validate a config without starting anything. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Validate a config file: exit 0 when valid, else print every error and exit 2.")
final class CheckCommand implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, required = true, description = "YAML config file")
  Path config;

  @Override
  public Integer call() {
    try {
      var parsed = ConfigLoader.load(config);
      System.out.println(config + ": ok (" + parsed.routes().size() + " routes)");
      return 0;
    } catch (ConfigException e) {
      e.errors().forEach(err -> System.err.println(err));
      return 2;
    }
  }
}
