package dev.passage.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.passage.audit.kafka.KafkaSinkSettings;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * The largest record the capture limits allow, which sizes a Kafka sink's requests: it follows the
 * routes' body limits and the server's head limits, and a {@code properties} value still wins.
 */
class AuditRecordBoundTest {

  static PassageConfig parse(String server, String routes) throws Exception {
    return ConfigLoader.parse("p.yaml", "listen: 127.0.0.1:8080\n" + server + """
        audit:
          sinks: [{ type: kafka, bootstrap_servers: "k:9092", topic: t }]
        routes:
        """ + routes, Map.<String, String>of()::get);
  }

  static String route(String name, String audit) {
    return "  - { name: " + name + ", match: { path_prefix: /" + name + " }, upstream: { targets: [http://127.0.0.1:1] }"
        + (audit.isEmpty() ? "" : ", audit: " + audit) + " }\n";
  }

  @Test
  void theDefaultsAllowARecordJustOverOneMebibyte() throws Exception {
    PassageConfig c = parse("", route("a", ""));
    // 6 x (8192 request line + 16384 request headers + 8192 status line + 16384 response headers + 2 x 65536 bodies) + 16 KiB
    assertEquals(1_097_728, AuditRecordBound.bytes(c));
    KafkaSinkSettings k = c.audit().sinks().get(0).kafkaSettings(AuditRecordBound.bytes(c), null);
    assertEquals(1_097_728, k.producerConfig().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    assertEquals(32L << 20, k.producerConfig().get(ProducerConfig.BUFFER_MEMORY_CONFIG));
  }

  @Test
  void theLargestAuditedRouteAndTheServerLimitsDecide() throws Exception {
    PassageConfig c = parse("server: { max_header_bytes: 32768 }\n",
        route("big", "{ max_body_bytes: 4194304, budget_share: 1.0, request_body: false }")
            + route("off", "{ enabled: false, max_body_bytes: 8388608, budget_share: 1.0 }")
            + route("small", "{ max_body_bytes: 1024 }"));
    long heads = 8192 + 32768 + 8192 + 32768;
    assertEquals(6 * (heads + 4194304) + 16384, AuditRecordBound.bytes(c), "one body kept on 'big'; 'off' keeps none");
    KafkaSinkSettings k = c.audit().sinks().get(0).kafkaSettings(AuditRecordBound.bytes(c), null);
    int request = (int) AuditRecordBound.bytes(c);
    assertEquals(request, k.producerConfig().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    assertEquals(2L * request, k.producerConfig().get(ProducerConfig.BUFFER_MEMORY_CONFIG), "one record always fits the buffer");
  }

  @Test
  void smallLimitsKeepTheClientsOneMebibyteAndPropertiesWin() throws Exception {
    PassageConfig c = parse("", route("a", "{ max_body_bytes: 1024 }"));
    KafkaSinkSettings k = c.audit().sinks().get(0).kafkaSettings(AuditRecordBound.bytes(c), null);
    assertEquals(KafkaSinkSettings.DEFAULT_MAX_REQUEST_SIZE, k.producerConfig().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    KafkaSinkSettings own = new KafkaSinkSettings("k:9092", "t", null, null, null, 1024, null,
        Map.of("max.request.size", "20000"), 5_000_000, null);
    assertEquals("20000", own.producerConfig().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
  }
}
