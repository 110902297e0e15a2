package dev.passage.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.gateway.support.KafkaBroker;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away under steady load with a spool in front of the sinks: records accumulate in
 * the spool instead of the memory queue, the file sink beside Kafka keeps receiving throughout, and
 * once the broker is back every record arrives in Kafka and the spool drains; the metrics show it.
 */
class KafkaSpoolOutageTest {

  static final ObjectMapper JSON = new ObjectMapper();
  // As long as issue 15 asks: long enough for the producer to give up on its in-flight batches.
  static final Duration OUTAGE = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void aBrokerOutageFillsTheSpoolNotTheQueueStallsNoOtherSinkAndLosesNoRecord() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (KafkaBroker kafka = KafkaBroker.start(); RecordingUpstream upstream = RecordingUpstream.start()) {
      kafka.createTopic("spooled", 3);
      try (RunningGateway gw = RunningGateway.start("""
          listen: 127.0.0.1:0
          admin: { listen: 127.0.0.1:0 }
          audit:
            flush_interval: 100ms
            spool: { dir: "${SPOOL}", max_bytes: 2097152 }
            sinks:
              - type: kafka
                bootstrap_servers: "${KAFKA}"
                topic: spooled
                properties:
                  delivery.timeout.ms: 4000
                  request.timeout.ms: 2000
                  max.block.ms: 2000
              - type: file
                path: "${FILE}"
          routes:
            - name: orders
              match: { path_prefix: /orders }
              upstream: { targets: ["${UP}"] }
          """, Map.of("KAFKA", kafka.bootstrap(), "UP", upstream.url(), "SPOOL", dir.resolve("spool").toString(),
          "FILE", file.toString()))) {

        List<String> answered = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        Thread load = new Thread(() -> steadyLoad(gw, answered, stop), "steady-load");
        load.start();
        try {
          Thread.sleep(2_000);
          long spoolBefore = KafkaSinkTest.metric(KafkaSinkTest.metrics(gw), "passage_audit_spool_bytes");
          kafka.stopBroker();
          int atOutageStart = answered.size();
          long outageEnd = System.nanoTime() + OUTAGE.toNanos();
          long maxQueued = 0;
          long maxSpool = 0;
          long maxAge = 0;
          long maxUnacknowledged = 0;
          long maxFileLag = 0;
          while (System.nanoTime() < outageEnd) {
            String m = KafkaSinkTest.metrics(gw);
            maxQueued = Math.max(maxQueued, KafkaSinkTest.metric(m, "passage_audit_queue_records"));
            maxSpool = Math.max(maxSpool, KafkaSinkTest.metric(m, "passage_audit_spool_bytes"));
            maxAge = Math.max(maxAge, KafkaSinkTest.metric(m, "passage_audit_spool_oldest_unacknowledged_age_seconds"));
            maxUnacknowledged = Math.max(maxUnacknowledged, KafkaSinkTest.metric(m, "passage_audit_spool_unacknowledged_bytes"));
            maxFileLag = Math.max(maxFileLag, taggedMetric(m, "passage_audit_spool_sink_lag_bytes", "jsonl-file"));
            Thread.sleep(250);
          }
          int atOutageEnd = answered.size();
          int inFileAtOutageEnd = lines(file);
          kafka.startBroker();
          Thread.sleep(2_000);
          stop.set(true);
          load.join(30_000);

          int duringOutage = atOutageEnd - atOutageStart;
          String during = "during the outage: " + duringOutage + " answered, max queued " + maxQueued + ", spool "
              + spoolBefore + " -> max " + maxSpool + " bytes (" + maxUnacknowledged + " unacknowledged), oldest unacknowledged up to " + maxAge + " s, "
              + inFileAtOutageEnd + " lines in the file sink at its end";
          System.out.println("kafka spool outage test: " + during);
          assertTrue(duringOutage > 50, during);
          assertTrue(maxQueued <= 20, "the writer never stalled: records went to the spool, not the queue; " + during);
          assertTrue(maxSpool > spoolBefore, "the spool grew: " + during);
          assertTrue(maxUnacknowledged > 200_000, "by what Kafka had not acknowledged: " + during);
          assertTrue(maxFileLag < 100_000, "while the file sink's own lag stayed small: " + maxFileLag + "; " + during);
          assertTrue(maxAge >= OUTAGE.toSeconds() / 2, "the oldest unacknowledged record aged with the outage: " + during);
          assertTrue(inFileAtOutageEnd >= atOutageStart + duringOutage / 2,
              "the file sink kept receiving while Kafka was down: " + during);

          Set<String> sent = new HashSet<>(answered);
          List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("spooled", sent.size(), Duration.ofSeconds(40));
          Map<String, Integer> copies = new HashMap<>();
          for (ConsumerRecord<byte[], byte[]> r : records) {
            copies.merge(JSON.readTree(r.value()).get("request_id").asText(), 1, Integer::sum);
          }
          Set<String> missing = new HashSet<>(sent);
          missing.removeAll(copies.keySet());
          assertEquals(Set.of(), missing, "every answered request has its record in Kafka");
          assertEquals(sent, copies.keySet(), "and there is no record of a request that was not sent");

          String m = KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", sent.size());
          m = KafkaSinkTest.awaitMetric(gw, "passage_audit_spool_oldest_unacknowledged_age_seconds", 0);
          m = KafkaSinkTest.awaitMetric(gw, "passage_audit_spool_unacknowledged_bytes", 0);
          assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_records_dropped_total"), m);
          assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_spool_lost_records_total"), m);
          assertEquals(sent.size(), KafkaSinkTest.metric(m, "passage_audit_spool_records_total"), m);
          assertTrue(KafkaSinkTest.metric(m, "passage_audit_sink_errors_total") > 0, m);
          assertEquals(sent.size(), lines(file), "the file sink has each record once");
          long drained = KafkaSinkTest.metric(m, "passage_audit_spool_bytes");
          System.out.printf("kafka spool outage test: %d records sent, %d received in Kafka (%d duplicates), spool %d bytes "
              + "in %d segments after draining%n", sent.size(), records.size(), records.size() - copies.size(), drained,
              KafkaSinkTest.metric(m, "passage_audit_spool_segments"));
          assertTrue(drained < maxSpool, "the spool drained, delivered segments deleted: " + drained + " < " + maxSpool);
          // Re-sends across the outage kept the chained stream in order in its partition (key: instance).
          AuditIntegrityTest.Verdict chain = AuditCheckpointTest.verifyCli("audit", "verify", "--kafka", kafka.bootstrap(),
              "--topic", "spooled");
          assertEquals(0, chain.exit(), chain.output());
          assertTrue(chain.output().contains("intact: " + sent.size() + " records in 1 stream(s)"), chain.output());
        } finally {
          stop.set(true);
          load.join(30_000);
        }
      }
    }
  }

  /** The value of the series {@code name} whose sink tag starts with {@code sinkPrefix}. */
  static long taggedMetric(String scrape, String name, String sinkPrefix) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{sink=\"" + sinkPrefix)) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
      }
    }
    throw new AssertionError(name + " for " + sinkPrefix + " not in\n" + scrape);
  }

  static int lines(Path file) throws Exception {
    return Files.exists(file) ? Files.readAllLines(file).size() : 0;
  }

  /** Sequential requests, about 50 a second; records the id of each one answered. */
  static void steadyLoad(RunningGateway gw, List<String> answered, AtomicBoolean stop) {
    for (int i = 0; !stop.get(); i++) {
      String id = "spool-outage-" + i;
      try {
        HttpResponse<Void> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/orders/" + i)))
            .header("X-Request-Id", id).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          answered.add(id);
        }
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // No answer: the test only counts answered requests.
      }
    }
  }
}
