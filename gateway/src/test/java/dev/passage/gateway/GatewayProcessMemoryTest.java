package dev.passage.gateway;

import dev.passage.gateway.support.AuditFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.TestUpstream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as its own process (as bin/passage runs it), auditing a 1 GiB download: its RSS,
 * read from /proc/PID/status, stays within a few MiB of the value it had after a warm-up download.
 */
class GatewayProcessMemoryTest {

  static final long GIB = 1L << 30;
  static final long ALLOWED_GROWTH = 16L << 20;

  @Test
  void anAuditedGibDownloadDoesNotGrowTheGatewaysRss(@TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path audit = dir.resolve("audit.jsonl");
    try (TestUpstream up = TestUpstream.start("files")) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> cmd = new ArrayList<>(List.of(java, "-Xms64m", "-Xmx256m", "-XX:MaxDirectMemorySize=128m",
          "-cp", System.getProperty("java.class.path"), "dev.passage.gateway.cli.PassageCommand",
          "proxy", "--listen", "127.0.0.1:" + port, "--to", up.url(), "--audit-file", audit.toString()));
      Process gateway = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("gateway.log").toFile()).start();
      try {
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port;
        awaitUp(client, base);
        // Warm-up: let the JIT, the buffer pools and the heap reach their working size. Half a GiB
        // was not enough for the body path's C2 compilations: their arenas (NMT "Arena Chunk",
        // ~19 MB, transient) then fell into the measured download.
        for (int i = 0; i < 10; i++) {
          download(client, base + "/bytes?n=" + (128L << 20));
        }
        long idle = rss(gateway.pid());
        long[] peak = {idle};
        Thread sampler = new Thread(() -> {
          while (!Thread.currentThread().isInterrupted()) {
            try {
              peak[0] = Math.max(peak[0], rss(gateway.pid()));
              Thread.sleep(20);
            } catch (Exception e) {
              return;
            }
          }
        });
        sampler.start();
        assertEquals(GIB, download(client, base + "/bytes?n=" + GIB));
        sampler.interrupt();
        sampler.join();
        long growth = peak[0] - idle;
        System.out.printf("gateway RSS idle %d MiB, peak during 1 GiB download %d MiB, growth %d KiB%n",
            idle >> 20, peak[0] >> 20, growth >> 10);
        assertTrue(growth < ALLOWED_GROWTH, "RSS grew by " + (growth >> 10) + " KiB during the download");
      } finally {
        gateway.destroy();
        gateway.waitFor(30, TimeUnit.SECONDS);
      }
      long records = AuditFile.completeLines(audit).size();
      assertEquals(12, records, "one ping and eleven downloads: SIGTERM wrote every record before exit");
    }
  }

  static void awaitUp(HttpClient client, String base) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        client.send(HttpRequest.newBuilder(URI.create(base + "/ping")).build(), HttpResponse.BodyHandlers.discarding());
        return;
      } catch (java.io.IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("gateway did not start");
  }

  static long download(HttpClient client, String url) throws Exception {
    HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofInputStream());
    long n = 0;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = r.body()) {
      int k;
      while ((k = in.read(buf)) > 0) {
        n += k;
      }
    }
    return n;
  }

  static long rss(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }
}
