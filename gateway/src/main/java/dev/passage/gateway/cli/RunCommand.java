package dev.passage.gateway.cli;

import dev.passage.gateway.config.ConfigException;
import dev.passage.gateway.config.ConfigLoader;
import dev.passage.gateway.config.PassageConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code passage run}: start from a config file. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Start the gateway from a YAML config file.")
final class RunCommand implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, required = true, description = "YAML config file")
  Path config;

  @Option(names = "--demo-upstream", paramLabel = "HOST:PORT",
      description = "also start a small demo backend on this address (for trying Passage out)")
  String demoUpstream;

  @Override
  public Integer call() throws Exception {
    PassageConfig parsed;
    try {
      parsed = ConfigLoader.load(config);
    } catch (ConfigException e) {
      e.errors().forEach(err -> System.err.println(err));
      return 2;
    }
    return Launcher.runUntilStopped(parsed, demoUpstream);
  }
}
