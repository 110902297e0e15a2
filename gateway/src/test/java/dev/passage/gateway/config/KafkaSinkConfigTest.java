package dev.passage.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.audit.kafka.KafkaSinkSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code type: kafka} sinks: defaults, and every wrong field named with file, line and path. */
class KafkaSinkConfigTest {

  static final String ROUTES = """
      routes:
        - name: api
          match: { path_prefix: /api }
          upstream: { targets: [http://127.0.0.1:18080] }
      """;

  @Test
  void aKafkaSinkNeedsOnlyServersAndTopicAndDefaultsToAcksAllZstdAndRouteKeys() throws Exception {
    PassageConfig c = ConfigLoader.parse("p.yaml", """
        listen: 127.0.0.1:8080
        audit:
          sinks:
            - type: kafka
              bootstrap_servers: "k1:9092,k2:9092"
              topic: passage.audit
              properties:
                security.protocol: SASL_SSL
                sasl.mechanism: SCRAM-SHA-512
                linger.ms: 20
        """ + ROUTES, Map.<String, String>of()::get);
    KafkaSinkSettings k = c.audit().sinks().get(0).kafkaSettings();
    assertEquals("k1:9092,k2:9092", k.bootstrapServers());
    assertEquals("all", k.acks());
    assertEquals("zstd", k.compression());
    assertEquals(Duration.ofMillis(5), k.linger());
    assertEquals(1024 * 1024, k.batchBytes());
    assertEquals("route", k.keyField());
    Map<String, Object> producer = k.producerConfig();
    assertEquals(true, producer.get("enable.idempotence"));
    assertEquals("SASL_SSL", producer.get("security.protocol"));
    assertEquals("20", producer.get("linger.ms"), "properties override the sink's own fields");
  }

  @Test
  void everyWrongKafkaFieldIsNamedWithFileLineAndPath() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("kafka.yaml", """
        listen: 127.0.0.1:8080
        audit:
          sinks:
            - type: kafka
              bootstrap_servers: "k1:9092,nohostport"
              acks: 0
              compression: brotli
              linger: soon
              key: user
              path: /var/log/audit.jsonl
              max_files: 3
        """ + ROUTES, Map.<String, String>of()::get));
    List<String> errors = e.errors().stream().map(ConfigError::toString).toList();
    assertTrue(errors.contains("kafka.yaml:5 audit.sinks[0].bootstrap_servers: expected host:port[,host:port...], got \"k1:9092,nohostport\""), errors.toString());
    assertTrue(errors.contains("kafka.yaml:4 audit.sinks[0].topic: required for a kafka sink"), errors.toString());
    assertTrue(errors.contains("kafka.yaml:6 audit.sinks[0].acks: 0 never hears back from the broker, so no record could count as written; use all or 1"), errors.toString());
    assertTrue(errors.contains("kafka.yaml:7 audit.sinks[0].compression: expected one of zstd, lz4, snappy, gzip, none"), errors.toString());
    assertTrue(errors.stream().anyMatch(s -> s.startsWith("kafka.yaml:8 audit.sinks[0].linger: not a duration")), errors.toString());
    assertTrue(errors.stream().anyMatch(s -> s.startsWith("kafka.yaml:9 audit.sinks[0].key: expected a top-level record field")), errors.toString());
    assertTrue(errors.contains("kafka.yaml:10 audit.sinks[0].path: applies to a file sink only"), errors.toString());
    assertTrue(errors.contains("kafka.yaml:11 audit.sinks[0].max_files: applies to a file sink only"), errors.toString());
    assertEquals(8, errors.size(), errors.toString());
  }

  @Test
  void producerPropertiesAreCheckedWithoutConnectingAndAMisspelledOneIsNamed() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("kafka.yaml", """
        listen: 127.0.0.1:8080
        audit:
          sinks:
            - type: kafka
              bootstrap_servers: 127.0.0.1:9092
              topic: audit
              properties:
                security.protocol: SASL_SSL
                sasl.mechansim: PLAIN
        """ + ROUTES, Map.<String, String>of()::get));
    assertEquals(List.of("kafka.yaml:9 audit.sinks[0].properties.sasl.mechansim: sasl.mechansim is not a Kafka producer setting"),
        e.errors().stream().map(ConfigError::toString).toList());

    e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("kafka.yaml", """
        listen: 127.0.0.1:8080
        audit:
          sinks:
            - type: kafka
              bootstrap_servers: 127.0.0.1:9092
              topic: audit
              properties:
                acks: 0
        """ + ROUTES, Map.<String, String>of()::get));
    assertEquals(List.of("kafka.yaml:8 audit.sinks[0].properties.acks: acks=0 never hears back from the broker, so no record could count as delivered"),
        e.errors().stream().map(ConfigError::toString).toList());

    e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("kafka.yaml", """
        listen: 127.0.0.1:8080
        audit:
          sinks:
            - type: file
              path: /tmp/audit.jsonl
              topic: audit
        """ + ROUTES, Map.<String, String>of()::get));
    assertEquals(List.of("kafka.yaml:6 audit.sinks[0].topic: applies to a kafka sink only"),
        e.errors().stream().map(ConfigError::toString).toList());
  }

  @Test
  void withASpoolRecordsAreChainedSoTheKeyIsTheInstanceAndNoOtherKeyIsTaken() throws Exception {
    PassageConfig c = ConfigLoader.parse("p.yaml", """
        listen: 127.0.0.1:8080
        audit:
          spool: { dir: /tmp/spool }
          sinks:
            - { type: kafka, bootstrap_servers: "k1:9092", topic: passage.audit }
        """ + ROUTES, Map.<String, String>of()::get);
    KafkaSinkSettings k = c.audit().sinks().get(0).kafkaSettings(0, null, true);
    assertEquals("instance", k.keyField(), "one gateway's chain in one partition, in order");
    assertTrue(k.ordered());

    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("kafka.yaml", """
        listen: 127.0.0.1:8080
        audit:
          spool: { dir: /tmp/spool }
          sinks:
            - type: kafka
              bootstrap_servers: "k1:9092"
              topic: passage.audit
              key: route
            - type: kafka
              bootstrap_servers: "k1:9092"
              topic: passage.audit2
              acks: 1
              properties: { max.in.flight.requests.per.connection: 5 }
        """ + ROUTES, Map.<String, String>of()::get));
    List<String> errors = e.errors().stream().map(ConfigError::toString).toList();
    assertTrue(errors.stream().anyMatch(s -> s.startsWith("kafka.yaml:8 audit.sinks[0].key: must be instance (the default) "
        + "with audit.spool")), errors.toString());
    assertTrue(errors.stream().anyMatch(s -> s.startsWith("kafka.yaml:13 audit.sinks[1].properties.max.in.flight.requests"
        + ".per.connection: max.in.flight.requests.per.connection=5 without enable.idempotence")), errors.toString());
    assertEquals(2, errors.size(), errors.toString());

    ConfigException noSpool = assertThrows(ConfigException.class, () -> ConfigLoader.parse("kafka.yaml", """
        listen: 127.0.0.1:8080
        audit:
          sinks:
            - { type: kafka, bootstrap_servers: "k1:9092", topic: passage.audit, key: instance }
        """ + ROUTES, Map.<String, String>of()::get));
    assertEquals(List.of("kafka.yaml:4 audit.sinks[0].key: instance needs audit.spool: records carry their gateway "
        + "instance only when chained"), noSpool.errors().stream().map(ConfigError::toString).toList());
  }

  @Test
  void aKafkaAnchorIsCheckedAtLoadWithFileLineAndField() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("anchor.yaml", """
        listen: 127.0.0.1:8080
        audit:
          spool: { dir: /tmp/spool }
          integrity:
            signing_key: /nonexistent/audit.key
            anchor:
              kafka:
                bootstrap_servers: "k1:9092,nohostport"
                topic: passage.audit
                properties: { acks: 1, sasl.mechansim: PLAIN }
          sinks:
            - { type: kafka, bootstrap_servers: "k1:9092", topic: passage.audit }
        """ + ROUTES, Map.<String, String>of()::get));
    List<String> errors = e.errors().stream().map(ConfigError::toString).toList();
    assertTrue(errors.contains("anchor.yaml:8 audit.integrity.anchor.kafka.bootstrap_servers: expected host:port[,host:port...], "
        + "got \"k1:9092,nohostport\""), errors.toString());
    assertTrue(errors.contains("anchor.yaml:9 audit.integrity.anchor.kafka.topic: is an audit sink's topic: the anchor must "
        + "be kept apart from the trail it attests"), errors.toString());
    assertTrue(errors.contains("anchor.yaml:10 audit.integrity.anchor.kafka.properties.sasl.mechansim: sasl.mechansim is "
        + "not a Kafka producer setting"), errors.toString());
  }
}
