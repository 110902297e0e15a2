package dev.passage.gateway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code passage}: the command tree. */
@Command(
    name = "passage",
    mixinStandardHelpOptions = true,
    versionProvider = PassageVersion.class,
    description = "An API gateway that audits every call without holding bodies in memory.",
    subcommands = {RunCommand.class, ProxyCommand.class, CheckCommand.class, AuditCommand.class, TrainCommand.class, CommandLine.HelpCommand.class})
public final class PassageCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    int code = new CommandLine(new PassageCommand()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
