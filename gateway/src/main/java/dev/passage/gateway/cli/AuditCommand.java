package dev.passage.gateway.cli;

import dev.passage.audit.AuditTail;
import dev.passage.audit.AuditVerify;
import dev.passage.audit.Ed25519Keys;
import dev.passage.audit.kafka.KafkaTail;
import dev.passage.audit.kafka.KafkaVerify;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code passage audit}: read audit trails, verify them, make signing keys. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read and verify audit records.",
    subcommands = {AuditCommand.Tail.class, AuditCommand.Verify.class, AuditCommand.Keygen.class})
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

    @Option(names = "--chain", description = "show each record's chain stream and seq, and signed checkpoints (hidden by default)")
    boolean chain;

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
      return AuditTail.run(file, route, status, follow, chain, System.out);
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Check an audit trail's hash chain, checkpoints and anchor (docs/audit-record.md, Integrity):"
          + " FILE... or a whole Kafka topic (--kafka BOOTSTRAP --topic T). Exit 0: intact; 1: tampered (the first"
          + " bad place is named); 2: unusable input.")
  static final class Verify implements Callable<Integer> {

    @Parameters(arity = "0..*", paramLabel = "FILE",
        description = "the trail's files: the active file and its rotated generations (.N.gz), in any order")
    List<Path> files = new ArrayList<>();

    @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
        description = "verify a Kafka topic instead of files, every partition from its beginning: host:port[,...]")
    String bootstrap;

    @Option(names = "--topic", description = "the trail's topic (with --kafka)")
    String topic;

    @Option(names = "--anchor-kafka-topic", paramLabel = "TOPIC",
        description = "with --kafka: the anchor topic (audit.integrity.anchor.kafka) on the same cluster")
    String anchorTopic;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
        description = "a Kafka consumer setting (SASL, TLS), repeatable")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--public-key", paramLabel = "PEM",
        description = "an Ed25519 public key file (PEM, one or more keys) checkpoints may be signed with; repeat it for"
            + " each key of a rotation")
    List<Path> publicKeys = new ArrayList<>();

    @Option(names = "--anchor", paramLabel = "FILE|URL",
        description = "detects a tail cut after a checkpoint: the anchor file (audit.integrity.anchor.path), a saved"
            + " answer of the admin listener's /audit/head, or its http(s) URL")
    String anchor;

    @Option(names = "--anchor-token", paramLabel = "TOKEN",
        description = "admin.token, sent as a bearer token to an http(s) --anchor (or put it in an @file argument,"
            + " out of the process list)")
    String anchorToken;

    @Override
    public Integer call() {
      if (bootstrap != null) {
        if (topic == null || !files.isEmpty()) {
          System.out.println("unusable: --kafka needs --topic, and no FILE");
          return AuditVerify.EXIT_UNUSABLE;
        }
        if (anchor != null && anchorTopic != null) {
          System.out.println("unusable: give --anchor or --anchor-kafka-topic, not both");
          return AuditVerify.EXIT_UNUSABLE;
        }
        return KafkaVerify.run(bootstrap, topic, kafkaProperties, publicKeys, anchor, anchorToken, anchorTopic,
            System.out);
      }
      if (topic != null || anchorTopic != null || !kafkaProperties.isEmpty()) {
        System.out.println("unusable: --topic, --anchor-kafka-topic and --kafka-property need --kafka");
        return AuditVerify.EXIT_UNUSABLE;
      }
      return AuditVerify.run(files, publicKeys, anchor, anchorToken, System.out);
    }
  }

  @Command(name = "keygen", mixinStandardHelpOptions = true,
      description = "Write a new Ed25519 key pair for signed checkpoints: PREFIX.key (PKCS#8 PEM, owner-only) and"
          + " PREFIX.pub (PEM). Keep PREFIX.key away from the log files and PREFIX.pub with the verifiers.")
  static final class Keygen implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "path prefix of the two files")
    Path out;

    @Override
    public Integer call() {
      try {
        String id = Ed25519Keys.generate(out);
        System.out.println("wrote " + out + ".key and " + out + ".pub (key_id " + id + ")");
        return 0;
      } catch (IOException e) {
        System.out.println("passage audit keygen: " + e.getMessage());
        return 2;
      }
    }
  }
}
