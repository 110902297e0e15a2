package dev.passage.gateway.admin;

import dev.passage.gateway.metrics.ReadinessCheck;
import dev.passage.gateway.metrics.MetricNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Health, metrics and access control of the admin listener, over real HTTP on loopback. */
class AdminServerTest {

  static final String TOKEN = "s3cret-admin-token";

  @Test
  void liveAndReadyAnswerAndReadyNamesTheFailingPart() throws Exception {
    AtomicBoolean sinkAccepting = new AtomicBoolean(true);
    List<ReadinessCheck> checks = List.of(
        check("proxy_listener", () -> true, "bound on 127.0.0.1:8080"),
        check("audit_sink_file", sinkAccepting::get, "disk full: /var/log/passage"));
    try (RunningAdmin admin = new RunningAdmin(new AdminSettings(null), checks, MemoryReport.jvmOnly())) {
      HttpResponse<String> live = admin.get("/health/live", null);
      assertEquals(200, live.statusCode());
      assertEquals("live", new JsonObject(live.body()).getString("status"));

      HttpResponse<String> ready = admin.get("/health/ready", null);
      assertEquals(200, ready.statusCode(), ready.body());
      assertEquals("ready", new JsonObject(ready.body()).getString("status"));

      sinkAccepting.set(false);
      HttpResponse<String> notReady = admin.get("/health/ready", null);
      assertEquals(503, notReady.statusCode());
      JsonObject body = new JsonObject(notReady.body());
      assertEquals("not_ready", body.getString("status"));
      assertEquals(1, body.getJsonArray("failing").size());
      JsonObject failing = body.getJsonArray("failing").getJsonObject(0);
      assertEquals("audit_sink_file", failing.getString("name"));
      assertEquals("disk full: /var/log/passage", failing.getString("detail"));
      assertTrue(body.getJsonObject("checks").getJsonObject("proxy_listener").getBoolean("ready"));
      assertEquals("application/json", notReady.headers().firstValue("content-type").orElse(""));
    }
  }

  @Test
  void aReadinessCheckThatThrowsCountsAsNotReady() throws Exception {
    ReadinessCheck broken = check("audit_sink_http", () -> {
      throw new IllegalStateException("sink closed");
    }, "");
    try (RunningAdmin admin = new RunningAdmin(new AdminSettings(null), List.of(broken), MemoryReport.jvmOnly())) {
      HttpResponse<String> ready = admin.get("/health/ready", null);
      assertEquals(503, ready.statusCode());
      assertTrue(ready.body().contains("sink closed"), ready.body());
    }
  }

  @Test
  void metricsAreServedInPrometheusFormatWithStableNames() throws Exception {
    try (RunningAdmin admin = new RunningAdmin(new AdminSettings(null), List.of(), MemoryReport.jvmOnly())) {
      Counter requests = Counter.builder(MetricNames.REQUESTS)
          .tags(MetricNames.TAG_ROUTE, "api", MetricNames.TAG_METHOD, "GET", MetricNames.TAG_STATUS_CLASS, "2xx")
          .register(admin.registry);
      for (int i = 0; i < 7; i++) {
        requests.increment();
      }
      HttpResponse<String> scrape = admin.get("/metrics", null);
      assertEquals(200, scrape.statusCode());
      assertEquals("text/plain; version=0.0.4; charset=utf-8", scrape.headers().firstValue("content-type").orElse(""));
      assertTrue(scrape.body().contains("\npassage_requests_total{method=\"GET\",route=\"api\",status_class=\"2xx\"} 7.0\n"),
          scrape.body());
      assertTrue(scrape.body().contains("# TYPE passage_requests_total counter"), scrape.body());
      // The JVM and process meters the admin server binds at start.
      for (String name : List.of("jvm_memory_used_bytes{", "jvm_gc_", "jvm_threads_live_threads ",
          "jvm_classes_loaded_classes ", "process_cpu_usage ", "passage_process_resident_memory_bytes ",
          "passage_process_virtual_memory_bytes ", "passage_netty_allocator_used_direct_bytes ",
          "passage_netty_allocator_used_heap_bytes ", "passage_jvm_direct_buffers_used_bytes ",
          "passage_jvm_direct_buffers ")) {
        assertTrue(scrape.body().contains("\n" + name), name + " missing from\n" + scrape.body());
      }
      double rss = Double.parseDouble(admin.scrapedValue("passage_process_resident_memory_bytes"));
      assertTrue(rss > 16 * 1024 * 1024, "RSS of a JVM is more than 16 MiB, got " + rss);
    }
  }

  @Test
  void debugNeedsTheTokenAndIsOffWithoutOne() throws Exception {
    try (RunningAdmin off = new RunningAdmin(new AdminSettings("  "), List.of(), MemoryReport.jvmOnly())) {
      assertEquals(404, off.get("/debug/memory", null).statusCode());
      assertEquals(404, off.get("/debug/memory", "anything").statusCode());
    }
    try (RunningAdmin admin = new RunningAdmin(new AdminSettings(TOKEN), List.of(), MemoryReport.jvmOnly())) {
      HttpResponse<String> none = admin.get("/debug/memory", null);
      assertEquals(401, none.statusCode());
      assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
      HttpResponse<String> wrong = admin.get("/debug/memory", TOKEN + "x");
      assertEquals(401, wrong.statusCode());
      assertFalse(wrong.body().contains(TOKEN), "the token is not echoed");
      assertEquals(401, admin.get("/debug/memory", TOKEN.substring(1)).statusCode());
      assertEquals(200, admin.get("/debug/memory", TOKEN).statusCode());

      assertEquals("1.0", admin.scrapedValue("passage_admin_auth_failures_total{reason=\"missing\"}"));
      assertEquals("2.0", admin.scrapedValue("passage_admin_auth_failures_total{reason=\"invalid\"}"));
    }
  }

  @Test
  void healthAndMetricsNeedTheTokenWhenNotPublic() throws Exception {
    try (RunningAdmin admin = new RunningAdmin(new AdminSettings(TOKEN, false), List.of(), MemoryReport.jvmOnly())) {
      assertEquals(401, admin.get("/metrics", null).statusCode());
      assertEquals(401, admin.get("/health/ready", "nope").statusCode());
      assertEquals(200, admin.get("/metrics", TOKEN).statusCode());
      assertEquals(200, admin.get("/health/live", TOKEN).statusCode());
    }
  }

  @Test
  void settingsRefuseNonPublicMetricsWithoutAToken() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdminSettings(null, false));
    assertTrue(e.getMessage().contains("no token"), e.getMessage());
  }

  @Test
  void unknownPathsAndWrongMethodsAnswerJson() throws Exception {
    try (RunningAdmin admin = new RunningAdmin(new AdminSettings(TOKEN), List.of(), MemoryReport.jvmOnly())) {
      HttpResponse<String> unknown = admin.get("/nothing/here", null);
      assertEquals(404, unknown.statusCode());
      assertEquals(404, new JsonObject(unknown.body()).getInteger("status"));
      assertEquals(404, admin.get("/debug/nothing", TOKEN).statusCode());
      HttpResponse<String> post = admin.post("/metrics", null);
      assertEquals(405, post.statusCode());
      assertEquals("GET", post.headers().firstValue("Allow").orElse(""));
      assertEquals(405, admin.get("/debug/jfr/start?seconds=1", TOKEN).statusCode());
    }
  }

  @Test
  void aTakenPortFailsStartWithTheAddress() throws Exception {
    try (RunningAdmin first = new RunningAdmin(new AdminSettings(null), List.of(), MemoryReport.jvmOnly())) {
      Exception e = assertThrows(Exception.class, () -> AdminServer.start(first.vertx, "127.0.0.1", first.server.port(),
              new AdminSettings(null), first.registry, List.of(), MemoryReport.jvmOnly())
          .toCompletionStage().toCompletableFuture().get());
      assertTrue(e.getMessage().contains("127.0.0.1:" + first.server.port()), e.getMessage());
    }
  }

  private static ReadinessCheck check(String name, java.util.function.BooleanSupplier ready, String detail) {
    return ReadinessCheck.of(name, ready, () -> detail);
  }
}
