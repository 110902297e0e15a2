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

/**
 * The broker goes away under steady load and comes back: no record is lost. The broker is really
 * stopped (its port refuses connections) and started again in place on the same port, with the
 * controller left running; the gateway is never told. The producer's timeouts are shortened through
 * {@code properties:} so that a 10 s outage outlasts {@code delivery.timeout.ms} and the pipeline's
 * own retry path (failed flush, re-send, backoff) is exercised rather than only the client's
 * internal retries.
 */
class KafkaSinkOutageTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration OUTAGE = Duration.ofSeconds(10);

  @Test
  void aBrokerOutageUnderSteadyLoadLosesNoRecordAndShowsOnMetrics() throws Exception {
    try (KafkaBroker kafka = KafkaBroker.start(); RecordingUpstream upstream = RecordingUpstream.start()) {
      kafka.createTopic("outage", 3);
      try (RunningGateway gw = RunningGateway.start("""
          listen: 127.0.0.1:0
          admin: { listen: 127.0.0.1:0 }
          audit:
            flush_interval: 100ms
            sinks:
              - type: kafka
                bootstrap_servers: "${KAFKA}"
                topic: outage
                properties:
                  delivery.timeout.ms: 4000
                  request.timeout.ms: 2000
                  max.block.ms: 2000
          routes:
            - name: orders
              match: { path_prefix: /orders }
              upstream: { targets: ["${UP}"] }
            - name: users
              match: { path_prefix: /users }
              upstream: { targets: ["${UP}"] }
          """, Map.of("KAFKA", kafka.bootstrap(), "UP", upstream.url()))) {

        List<String> answered = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        Thread load = new Thread(() -> steadyLoad(gw, answered, stop), "steady-load");
        load.start();
        try {
          Thread.sleep(2_000);
          int beforeOutage = answered.size();
          kafka.stopBroker();
          long outageEnd = System.nanoTime() + OUTAGE.toNanos();
          long maxUnacknowledged = 0;
          long maxQueued = 0;
          while (System.nanoTime() < outageEnd) {
            String m = KafkaSinkTest.metrics(gw);
            maxUnacknowledged = Math.max(maxUnacknowledged, KafkaSinkTest.metric(m, "passage_audit_kafka_unacknowledged_records"));
            maxQueued = Math.max(maxQueued, KafkaSinkTest.metric(m, "passage_audit_queue_records"));
            Thread.sleep(250);
          }
          int duringOutage = answered.size() - beforeOutage;
          kafka.startBroker();
          Thread.sleep(2_000);
          stop.set(true);
          load.join(30_000);

          assertTrue(beforeOutage > 20 && duringOutage > 50, "steady load: " + beforeOutage + " before, "
              + duringOutage + " during the outage");
          String during = "max unacknowledged " + maxUnacknowledged + ", max queued " + maxQueued;
          assertTrue(maxUnacknowledged > 0, during);
          assertTrue(maxQueued > 0, "the writer stalled, so records waited in the queue: " + during);

          Set<String> sent = new HashSet<>(answered);
          assertEquals(answered.size(), sent.size());
          List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("outage", sent.size(), Duration.ofSeconds(40));
          Map<String, Integer> copies = new HashMap<>();
          for (ConsumerRecord<byte[], byte[]> r : records) {
            copies.merge(JSON.readTree(r.value()).get("request_id").asText(), 1, Integer::sum);
          }
          Set<String> missing = new HashSet<>(sent);
          missing.removeAll(copies.keySet());
          assertEquals(Set.of(), missing, "every answered request has its record in Kafka");
          assertEquals(sent, copies.keySet(), "and there is no record of a request that was not sent");
          long duplicates = records.size() - copies.size();
          System.out.printf("outage test: %d records sent, %d received (%d duplicates after re-sends), %s%n",
              sent.size(), records.size(), duplicates, during);

          String m = KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", sent.size());
          assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_records_dropped_total"), m);
          assertTrue(KafkaSinkTest.metric(m, "passage_audit_sink_errors_total") > 0, m);
          assertTrue(KafkaSinkTest.metric(m, "passage_audit_kafka_send_failures_total") > 0, m);
          m = KafkaSinkTest.awaitMetric(gw, "passage_audit_kafka_unacknowledged_records", 0);
        } finally {
          stop.set(true);
          load.join(30_000);
        }
      }
    }
  }

  /**
   * A gateway that starts while its broker is down starts and serves all the same; its producer has
   * no metadata yet, so each write fails at once (after max.block.ms) and the writer retries the
   * same batch until the broker is back: the write path's retry, as the test above exercises the
   * flush path's.
   */
  @Test
  void aGatewayStartedWhileTheBrokerIsDownServesAndDeliversOnceTheBrokerIsBack() throws Exception {
    try (KafkaBroker kafka = KafkaBroker.start(); RecordingUpstream upstream = RecordingUpstream.start()) {
      kafka.createTopic("late", 2);
      kafka.stopBroker();
      try (RunningGateway gw = RunningGateway.start("""
          listen: 127.0.0.1:0
          admin: { listen: 127.0.0.1:0 }
          audit:
            flush_interval: 100ms
            sinks:
              - type: kafka
                bootstrap_servers: "${KAFKA}"
                topic: late
                properties: { max.block.ms: 1000, delivery.timeout.ms: 3000, request.timeout.ms: 2000 }
          routes:
            - name: orders
              match: { path_prefix: /orders }
              upstream: { targets: ["${UP}"] }
          """, Map.of("KAFKA", kafka.bootstrap(), "UP", upstream.url()))) {
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 20; i++) {
          HttpResponse<Void> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url("/orders/" + i)))
              .header("X-Request-Id", "late-" + i).build(), HttpResponse.BodyHandlers.discarding());
          assertEquals(200, r.statusCode());
          sent.add("late-" + i);
          Thread.sleep(100);
        }
        String m = KafkaSinkTest.metrics(gw);
        assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_records_written_total"), m);
        assertTrue(KafkaSinkTest.metric(m, "passage_audit_sink_errors_total") > 0, m);
        assertEquals(20, KafkaSinkTest.metric(m, "passage_audit_queue_records"), m);

        kafka.startBroker();
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll("late", sent.size(), Duration.ofSeconds(40));
        Set<String> received = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          received.add(JSON.readTree(r.value()).get("request_id").asText());
        }
        assertEquals(sent, received);
        m = KafkaSinkTest.awaitMetric(gw, "passage_audit_records_written_total", sent.size());
        assertEquals(0, KafkaSinkTest.metric(m, "passage_audit_records_dropped_total"), m);
      }
    }
  }

  /** Sequential requests, about 50 a second, alternating routes; records the id of each one answered. */
  private static void steadyLoad(RunningGateway gw, List<String> answered, AtomicBoolean stop) {
    for (int i = 0; !stop.get(); i++) {
      String id = "outage-" + i;
      try {
        HttpResponse<Void> r = gw.client.send(HttpRequest.newBuilder(URI.create(gw.url((i % 2 == 0 ? "/orders/" : "/users/") + i)))
            .header("X-Request-Id", id).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() > 0) {
          answered.add(id);
        }
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // No answer: the exchange may still have a record, but the test only counts answered ones.
      }
    }
  }
}
