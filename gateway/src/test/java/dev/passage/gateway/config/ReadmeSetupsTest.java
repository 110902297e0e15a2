package dev.passage.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's two setups (one node; many gateways shipping to Kafka) are configs a user will copy:
 * each must pass the same validation as {@code passage check}, and the topic's {@code
 * max.message.bytes} it prints must be the bound those limits give.
 */
class ReadmeSetupsTest {

  static final Path README = Path.of("..", "README.md");
  static final Map<String, String> ENV = Map.of("PASSAGE_ADMIN_TOKEN", "t0ken", "HOSTNAME", "gw-1");

  static String setup(String readme, String name) {
    Matcher m = Pattern.compile("<!-- readme-setup: " + Pattern.quote(name) + " -->\\s*```yaml\\n(.*?)```", Pattern.DOTALL)
        .matcher(readme);
    assertTrue(m.find(), "README has a yaml block marked readme-setup: " + name);
    return m.group(1);
  }

  @Test
  void theOneNodeSetupIsAValidConfigWithASpoolAndASyncFileTrail() throws Exception {
    PassageConfig c = ConfigLoader.parse("README.md (one-node)", setup(Files.readString(README), "one-node"), ENV::get);
    assertNotNull(c.audit().spool());
    assertTrue(c.audit().syncDelivery());
    assertEquals(SinkConfig.FILE, c.audit().sinks().get(0).type());
  }

  @Test
  void theManyGatewaysSetupShipsToKafkaAndItsTopicTakesTheLargestRecord() throws Exception {
    String readme = Files.readString(README);
    PassageConfig c = ConfigLoader.parse("README.md (many-gateways)", setup(readme, "many-gateways"), ENV::get);
    assertNotNull(c.audit().spool(), "each gateway has its own spool");
    SinkConfig kafka = c.audit().sinks().get(0);
    assertEquals(SinkConfig.KAFKA, kafka.type());
    assertEquals("passage-gw-1", kafka.properties().get("client.id"));
    Matcher topic = Pattern.compile("--config max\\.message\\.bytes=(\\d+)").matcher(readme);
    int shown = 0;
    while (topic.find()) {
      assertEquals(AuditRecordBound.bytes(c), Long.parseLong(topic.group(1)), "the topic settings the README gives");
      shown++;
    }
    assertTrue(shown >= 1, "the README gives the topic's max.message.bytes");
  }
}
