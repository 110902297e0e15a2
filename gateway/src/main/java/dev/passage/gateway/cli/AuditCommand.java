package dev.passage.gateway.cli;

import dev.passage.audit.AuditTail;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code passage audit}: read audit trails. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read audit records.",
    subcommands = {AuditCommand.Tail.class})
final class AuditCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "tail", mixinStandardHelpOptions = true,
      description = "Pretty-print audit records from a JSONL file, one line each.")
  static final class Tail implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "audit file (JSON lines)")
    Path file;

    @Option(names = "--route", description = "only records of this route")
    String route;

    @Option(names = "--status", description = "only this status or class: 404, 5xx, 2xx")
    String status;

    @Option(names = {"-f", "--follow"}, description = "keep printing records as they are appended")
    boolean follow;

    @Override
    public Integer call() {
      return AuditTail.run(file, route, status, follow, System.out);
    }
  }
}
