package dev.passage.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  static final String MINIMAL = """
      listen: 127.0.0.1:8080
      routes:
        - name: api
          match: { path_prefix: /api }
          upstream: { targets: [http://127.0.0.1:18080] }
      """;

  @Test
  void everyFieldButTheRequiredOnesHasADefault() throws Exception {
    PassageConfig c = ConfigLoader.parse("p.yaml", MINIMAL, Map.<String, String>of()::get);
    RouteConfig r = c.routes().get(0);
    assertEquals("*", r.match().host());
    assertEquals(List.of(), r.match().methods());
    assertEquals(false, r.stripPrefix());
    assertEquals("round_robin", r.upstream().balance());
    assertEquals("2s", r.upstream().connectTimeout());
    assertEquals("30s", r.upstream().responseTimeout());
    assertEquals(512, r.upstream().maxConnections());
    assertEquals("preserve", r.upstream().hostHeader());
    assertEquals(64L * 1024 * 1024, c.audit().budgetBytes());
    assertEquals(10_000, c.audit().queueRecords());
    assertEquals("block", c.audit().onQueueFull());
    assertEquals(65536L, r.audit().maxBodyBytes());
  }

  @Test
  void theIssueExampleShapeIsAccepted() throws Exception {
    PassageConfig c = ConfigLoader.parse("p.yaml", """
        listen: 127.0.0.1:8080
        admin: { listen: 127.0.0.1:9901 }
        routes:
          - name: api
            match: { host: "*", path_prefix: /api, methods: [GET, POST] }
            strip_prefix: false
            upstream:
              targets: [http://127.0.0.1:18080, http://127.0.0.1:18081]
              balance: round_robin
              connect_timeout: 2s
              response_timeout: 30s
              idle_timeout: 60s
              max_connections: 512
        audit: {}
        """, Map.<String, String>of()::get);
    assertEquals(2, c.routes().get(0).upstream().targets().size());
    assertEquals("127.0.0.1:9901", c.admin().listen());
  }

  @Test
  void errorsNameFileLineAndPathAndAreAllReportedTogether() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("passage.yaml", """
        listen: 127.0.0.1:8080
        routes:
          - name: api
            match: { path_prefix: /api }
            upstream:
              targets:
                - ftp://example.com
              balance: random
              connect_timeout: soon
          - name: api
            mtach: { path_prefix: /x }
            upstream: { targets: [http://127.0.0.1:1] }
        """, Map.<String, String>of()::get));
    List<String> lines = e.errors().stream().map(ConfigError::toString).collect(Collectors.toList());
    assertTrue(lines.contains("passage.yaml:7 routes[0].upstream.targets[0]: not an http(s) URL"), lines.toString());
    assertTrue(lines.contains("passage.yaml:8 routes[0].upstream.balance: expected round_robin or least_requests"), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("passage.yaml:9 routes[0].upstream.connect_timeout: not a duration")), lines.toString());
    assertTrue(lines.contains("passage.yaml:11 routes[1].mtach: unknown key"), lines.toString());
    assertTrue(lines.contains("passage.yaml:10 routes[1].name: duplicate route name \"api\""), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.contains("routes[1].match.path_prefix: required")), lines.toString());
  }

  @Test
  void environmentVariablesAreSubstitutedWithDefaults() throws Exception {
    PassageConfig c = ConfigLoader.parse("p.yaml", """
        listen: ${LISTEN:-127.0.0.1:9000}
        routes:
          - name: api
            match: { path_prefix: /api }
            upstream:
              targets: ["${UPSTREAM}"]
              max_connections: ${CONNS:-16}
        """, Map.of("UPSTREAM", "http://10.0.0.5:80")::get);
    assertEquals("127.0.0.1:9000", c.listen());
    assertEquals("http://10.0.0.5:80", c.routes().get(0).upstream().targets().get(0));
    assertEquals(16, c.routes().get(0).upstream().maxConnections());
  }

  @Test
  void anUnsetVariableWithoutDefaultIsAnErrorNotAnEmptyString() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("p.yaml", MINIMAL.replace("127.0.0.1:8080", "${NOPE}"), Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("p.yaml:1") && e.getMessage().contains("NOPE is not set"), e.getMessage());
  }

  @Test
  void outOfRangeValuesAreRejectedNotClamped() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("p.yaml", """
        listen: 127.0.0.1:8080
        routes:
          - name: api
            match: { path_prefix: api }
            upstream: { targets: [http://127.0.0.1:1], max_connections: 0 }
            audit: { max_body_bytes: 999999999999 }
        audit: { queue_records: 0, on_queue_full: maybe }
        """, Map.<String, String>of()::get));
    String all = e.getMessage();
    assertTrue(all.contains("p.yaml:4 routes[0].match.path_prefix: must start with /"), all);
    assertTrue(all.contains("routes[0].upstream.max_connections: must be between 1 and 65535, got 0"), all);
    assertTrue(all.contains("routes[0].audit.max_body_bytes: is larger than audit.budget_bytes"), all);
    assertTrue(all.contains("p.yaml:7 audit.queue_records: must be between 1"), all);
    assertTrue(all.contains("audit.on_queue_full: expected block or drop"), all);
  }

  @Test
  void aFileSinkKeepsEveryGenerationUnlessMaxFilesIsSet() throws Exception {
    PassageConfig c = ConfigLoader.parse("p.yaml", MINIMAL + """
        audit:
          sinks:
            - { type: file, path: /var/log/passage/audit.jsonl }
            - { type: file, path: /var/log/passage/copy.jsonl, max_files: 5 }
        """, Map.<String, String>of()::get);
    assertNull(c.audit().sinks().get(0).maxFiles(), "unset: nothing is ever deleted");
    assertEquals(100L << 20, c.audit().sinks().get(0).maxFileBytes());
    assertEquals(5, c.audit().sinks().get(1).maxFiles());
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("p.yaml", MINIMAL + """
        audit:
          sinks: [{ type: file, path: /var/log/passage/audit.jsonl, max_files: 0 }]
        """, Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("audit.sinks[0].max_files: must be between 1 and 10000, got 0"), e.getMessage());
  }

  @Test
  void aRouteBudgetShareIsAFractionThatLeavesRoomForOneWholeBody() throws Exception {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("p.yaml", """
        listen: 127.0.0.1:8080
        routes:
          - { name: a, match: { path_prefix: /a }, upstream: { targets: [http://127.0.0.1:1] }, audit: { budget_share: 0 } }
          - { name: b, match: { path_prefix: /b }, upstream: { targets: [http://127.0.0.1:1] }, audit: { budget_share: 1.5 } }
          - name: c
            match: { path_prefix: /c }
            upstream: { targets: [http://127.0.0.1:1] }
            audit: { budget_share: 0.01, max_body_bytes: 65536 }
        audit: { budget_bytes: 1048576 }
        """, Map.<String, String>of()::get));
    String all = e.getMessage();
    assertTrue(all.contains("routes[0].audit.budget_share: must be a fraction greater than 0 and at most 1, got 0.0"), all);
    assertTrue(all.contains("routes[1].audit.budget_share: must be a fraction greater than 0 and at most 1, got 1.5"), all);
    assertTrue(all.contains("routes[2].audit.max_body_bytes: is larger than this route's capture share (budget_share 0.01"
        + " of audit.budget_bytes = 10485 bytes)"), all);

    PassageConfig ok = ConfigLoader.parse("p.yaml", MINIMAL, Map.<String, String>of()::get);
    assertEquals(0.25, ok.routes().get(0).audit().budgetShare());
    assertEquals(16L << 20, ok.routes().get(0).audit().shareBytes(ok.audit().budgetBytes()));
  }

  @Test
  void privateMetricsWithoutATokenIsRefusedAtTheAdminLine() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("p.yaml", """
        listen: 127.0.0.1:8080
        admin:
          listen: 127.0.0.1:9901
          public_metrics: false
        routes:
          - { name: api, match: { path_prefix: /api }, upstream: { targets: [http://127.0.0.1:1] } }
        """, Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("p.yaml:4 admin.public_metrics: false needs admin.token"), e.getMessage());
  }

  @Test
  void aWrongTypeIsReportedWithItsLine() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("p.yaml", """
        listen: 127.0.0.1:8080
        routes:
          - name: api
            match: { path_prefix: /api }
            upstream: { targets: [http://127.0.0.1:1], max_connections: lots }
        """, Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("p.yaml:5 routes[0].upstream.max_connections: expected a whole number, got \"lots\""), e.getMessage());
  }

  @Test
  void brokenYamlAndMissingFilesSaySo(@TempDir Path dir) throws Exception {
    ConfigException yaml = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("p.yaml", "listen: [unclosed\n", Map.<String, String>of()::get));
    assertTrue(yaml.getMessage().startsWith("p.yaml:"), yaml.getMessage());
    Path missing = dir.resolve("none.yaml");
    ConfigException none = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));
    assertEquals(missing + ": file not found", none.getMessage());
    Path ok = dir.resolve("ok.yaml");
    Files.writeString(ok, MINIMAL);
    assertEquals("api", ConfigLoader.load(ok).routes().get(0).name());
  }
}
