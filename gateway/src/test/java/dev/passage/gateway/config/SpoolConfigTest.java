package dev.passage.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.audit.FsyncPolicy;
import dev.passage.audit.SpoolFullPolicy;
import dev.passage.audit.SpoolSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code audit.spool} and {@code audit.delivery}: off by default, defaults when on, every wrong field named. */
class SpoolConfigTest {

  static final String ROUTES = KafkaSinkConfigTest.ROUTES;

  static PassageConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse("spool.yaml", yaml + ROUTES, Map.<String, String>of()::get);
  }

  static List<String> errors(String yaml) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
    return e.errors().stream().map(ConfigError::toString).toList();
  }

  @Test
  void withoutASpoolSectionThereIsNoSpoolAndNoWaiting() throws Exception {
    PassageConfig c = parse("""
        listen: 127.0.0.1:8080
        audit:
          sinks: [{ path: /tmp/audit.jsonl }]
        """);
    assertNull(c.audit().spool());
    assertFalse(c.audit().syncDelivery());
  }

  @Test
  void aSpoolNeedsOnlyItsDirectoryAndDefaultsToOneGibFsyncPerBatchFailClosedAndSyncDelivery() throws Exception {
    PassageConfig c = parse("""
        listen: 127.0.0.1:8080
        audit:
          spool: { dir: /var/lib/passage/spool }
          sinks: [{ path: /tmp/audit.jsonl }]
        """);
    SpoolSettings s = c.audit().spool().settings();
    assertEquals(Path.of("/var/lib/passage/spool"), s.dir());
    assertEquals(1L << 30, s.maxBytes());
    assertEquals(FsyncPolicy.BATCH, s.fsync());
    assertEquals(Duration.ofSeconds(1), s.fsyncInterval());
    assertEquals(SpoolFullPolicy.FAIL_CLOSED, s.onFull());
    assertTrue(c.audit().syncDelivery());

    c = parse("""
        listen: 127.0.0.1:8080
        audit:
          delivery: async
          spool:
            dir: ./spool
            max_bytes: 2097152
            fsync: interval
            fsync_interval: 250ms
            on_full: fail_open
          sinks: [{ path: /tmp/audit.jsonl }]
        """);
    s = c.audit().spool().settings();
    assertEquals(2L << 20, s.maxBytes());
    assertEquals(FsyncPolicy.INTERVAL, s.fsync());
    assertEquals(Duration.ofMillis(250), s.fsyncInterval());
    assertEquals(SpoolFullPolicy.FAIL_OPEN, s.onFull());
    assertFalse(c.audit().syncDelivery());
  }

  @Test
  void everyWrongSpoolFieldIsNamedWithFileLineAndPath() {
    List<String> errors = errors("""
        listen: 127.0.0.1:8080
        audit:
          delivery: sometimes
          spool:
            max_bytes: 4096
            fsync: always
            fsync_interval: 1s
            on_full: shrug
          sinks: [{ path: /tmp/audit.jsonl }]
        """);
    assertTrue(errors.contains("spool.yaml:3 audit.delivery: expected sync or async"), errors.toString());
    assertTrue(errors.stream().anyMatch(e -> e.matches("spool\\.yaml:\\d+ audit\\.spool\\.dir: required: .*")), errors.toString());
    assertTrue(errors.contains("spool.yaml:5 audit.spool.max_bytes: must be at least 1048576 (1 MiB), got 4096"), errors.toString());
    assertTrue(errors.contains("spool.yaml:6 audit.spool.fsync: expected batch, interval or none"), errors.toString());
    assertTrue(errors.contains("spool.yaml:8 audit.spool.on_full: expected fail_closed or fail_open"), errors.toString());
    assertEquals(5, errors.size(), errors.toString());

    errors = errors("""
        listen: 127.0.0.1:8080
        audit:
          spool: { dir: /tmp/spool, fsync: batch, fsync_interval: 1s, colour: blue }
          sinks: [{ path: /tmp/audit.jsonl }]
        """);
    assertTrue(errors.contains("spool.yaml:3 audit.spool.colour: unknown key"), errors.toString());

    errors = errors("""
        listen: 127.0.0.1:8080
        audit:
          spool:
            dir: /tmp/spool
            fsync: batch
            fsync_interval: 1s
          sinks: [{ path: /tmp/audit.jsonl }]
        """);
    assertEquals(List.of("spool.yaml:6 audit.spool.fsync_interval: applies to fsync: interval only"), errors);
  }

  @Test
  void deliveryWithoutASpoolAndASpoolWithoutSinksAreErrors() {
    assertEquals(List.of("spool.yaml:3 audit.delivery: needs audit.spool: without a spool there is nothing for a response to wait for"),
        errors("""
            listen: 127.0.0.1:8080
            audit:
              delivery: sync
              sinks: [{ path: /tmp/audit.jsonl }]
            """));
    assertEquals(List.of("spool.yaml:3 audit.spool: needs at least one entry in audit.sinks to deliver to"),
        errors("""
            listen: 127.0.0.1:8080
            audit:
              spool: { dir: /tmp/spool }
            """));
  }
}
