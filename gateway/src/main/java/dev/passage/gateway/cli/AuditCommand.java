package dev.passage.gateway.cli;

import dev.passage.audit.AuditTail;
import dev.passage.audit.kafka.KafkaTail;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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
      description = "Pretty-print audit records, one line each, from a JSONL file or from a Kafka topic"
          + " (--kafka BOOTSTRAP --topic T, read from its beginning).")
  static final class Tail implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "audit file (JSON lines)")
    Path file;

    @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = "read from Kafka: host:port[,host:port...]")
    String bootstrap;

    @Option(names = "--topic", description = "the Kafka topic (with --kafka)")
    String topic;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
        description = "a Kafka consumer setting (SASL, TLS), repeatable")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--route", description = "only records of this route")
    String route;

    @Option(names = "--status", description = "only this status or class: 404, 5xx, 2xx")
    String status;

    @Option(names = {"-f", "--follow"}, description = "keep printing records as they are appended")
    boolean follow;

    @Override
    public Integer call() {
      if ((file == null) == (bootstrap == null)) {
        System.out.println("passage audit tail: give either FILE or --kafka BOOTSTRAP --topic T");
        return AuditTail.EXIT_USAGE;
      }
      if (bootstrap != null) {
        if (topic == null) {
          System.out.println("passage audit tail: --kafka needs --topic");
          return AuditTail.EXIT_USAGE;
        }
        return KafkaTail.run(bootstrap, topic, route, status, follow, kafkaProperties, System.out);
      }
      if (topic != null || !kafkaProperties.isEmpty()) {
        System.out.println("passage audit tail: --topic and --kafka-property need --kafka");
        return AuditTail.EXIT_USAGE;
      }
      return AuditTail.run(file, route, status, follow, System.out);
    }
  }
}
