package dev.passage.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.audit.Ed25519Keys;
import dev.passage.audit.IntegritySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit.integrity}: defaults, and every wrong field named with its line. */
class IntegrityConfigTest {

  @TempDir Path dir;

  @Test
  void aSigningKeyIsAllItNeedsAndDefaultsAreTenThousandRecordsAndOneMinute() throws Exception {
    Ed25519Keys.generate(dir.resolve("k"));
    PassageConfig c = SpoolConfigTest.parse("""
        listen: 127.0.0.1:8080
        audit:
          spool: { dir: /var/lib/passage/spool }
          integrity: { signing_key: "%s" }
          sinks: [{ path: /tmp/audit.jsonl }]
        """.formatted(dir.resolve("k.key")));
    IntegritySettings s = c.audit().integritySettings();
    assertTrue(s.signs());
    assertEquals(10_000, s.checkpointEvery());
    assertEquals(Duration.ofSeconds(60), s.checkpointInterval());
    assertNull(s.anchor());
  }

  @Test
  void withASpoolAndNoIntegritySectionRecordsAreChainedButNotSigned() throws Exception {
    PassageConfig c = SpoolConfigTest.parse("""
        listen: 127.0.0.1:8080
        audit:
          spool: { dir: /var/lib/passage/spool }
          sinks: [{ path: /tmp/audit.jsonl }]
        """);
    assertEquals(IntegritySettings.CHAIN_ONLY, c.audit().integritySettings());
  }

  @Test
  void everyWrongFieldIsNamed() throws Exception {
    Path notAKey = Files.writeString(dir.resolve("not-a-key.pem"), "hello\n");
    List<String> errors = SpoolConfigTest.errors("""
        listen: 127.0.0.1:8080
        audit:
          integrity:
            signing_key: "%s"
            checkpoint_every: 0
            checkpoint_interval: soon
            anchor: { path: "" }
          sinks: [{ path: /tmp/audit.jsonl }]
        """.formatted(notAKey));
    assertEquals(5, errors.size(), errors.toString());
    assertTrue(errors.get(0).contains("spool.yaml:3 audit.integrity: needs audit.spool"), errors.get(0));
    assertTrue(errors.get(1).contains("spool.yaml:4 audit.integrity.signing_key: cannot use " + notAKey), errors.get(1));
    assertTrue(errors.get(2).contains("audit.integrity.checkpoint_every: must be between 1"), errors.get(2));
    assertTrue(errors.get(3).contains("audit.integrity.checkpoint_interval"), errors.get(3));
    assertTrue(errors.get(4).contains("audit.integrity.anchor.path: required"), errors.get(4));
  }

  @Test
  void publicKeysOfEarlierKeysAreReadAndEveryUnusableOneIsNamedWithItsLine() throws Exception {
    Ed25519Keys.generate(dir.resolve("now"));
    Ed25519Keys.generate(dir.resolve("before"));
    PassageConfig c = SpoolConfigTest.parse("""
        listen: 127.0.0.1:8080
        audit:
          spool: { dir: /var/lib/passage/spool }
          integrity:
            signing_key: "%s"
            public_keys: ["%s", "%s"]
          sinks: [{ path: /tmp/audit.jsonl }]
        """.formatted(dir.resolve("now.key"), dir.resolve("before.pub"), dir.resolve("now.pub")));
    IntegritySettings s = c.audit().integritySettings();
    assertEquals(2, s.earlierKeys().size());
    String now = Ed25519Keys.keyId(Ed25519Keys.readPublic(dir.resolve("now.pub")).get(0));
    String before = Ed25519Keys.keyId(Ed25519Keys.readPublic(dir.resolve("before.pub")).get(0));
    assertEquals(List.of(now, before), s.keyIds(), "the signing key first, each key once");

    Path notAKey = Files.writeString(dir.resolve("not-a-key.pem"), "hello\n");
    List<String> errors = SpoolConfigTest.errors("""
        listen: 127.0.0.1:8080
        audit:
          spool: { dir: /var/lib/passage/spool }
          integrity:
            signing_key: "%s"
            public_keys:
              - "%s"
              - "%s"
              - ""
          sinks: [{ path: /tmp/audit.jsonl }]
        """.formatted(dir.resolve("now.key"), notAKey, dir.resolve("missing.pub")));
    assertEquals(3, errors.size(), errors.toString());
    assertTrue(errors.get(0).startsWith("spool.yaml:7 audit.integrity.public_keys[0]: cannot use " + notAKey
        + ": " + notAKey + " holds no -----BEGIN PUBLIC KEY----- block"), errors.get(0));
    assertTrue(errors.get(1).startsWith("spool.yaml:8 audit.integrity.public_keys[1]: cannot use "
        + dir.resolve("missing.pub")), errors.get(1));
    assertTrue(errors.get(2).startsWith("spool.yaml:9 audit.integrity.public_keys[2]: expected the path of a PEM file"),
        errors.get(2));
  }
}
