package dev.passage.gateway.frontdoor;

import dev.passage.gateway.support.AuditFile;
import static dev.passage.gateway.frontdoor.WireBytes.escape;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.passage.gateway.support.LeakCheckExtension;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation fuzzer over valid requests. Whatever bytes a client sends, the gateway answers
 * with its own 4xx (or 501/505) or forwards one well-framed request per admitted request: it never
 * fails with 502/503/504, never lets the upstream see a request it did not admit and record, keeps
 * serving, and leaks no buffer.
 *
 * <p>{@code -Dpassage.fuzz.seed=N} replays a run (the seed is printed); {@code -Dpassage.fuzz.cases=N}
 * sets how many cases (default 2000); {@code -Dpassage.fuzz.only=N} runs case N alone;
 * {@code -Dpassage.fuzz.threads=N} sets how many run at once (default 32; each mostly waits).
 */
@ExtendWith(LeakCheckExtension.class)
class RequestFuzzTest {

  static final long DEFAULT_SEED = 0x5eed_f00dL;
  static final ObjectMapper JSON = new ObjectMapper();
  /** After a complete response and this much quiet, the case is over (the connection is kept alive). */
  static final long QUIET_MS = 200;
  /** No case lasts longer: header_timeout and body_timeout are 1 s each, so refusals come well within it. */
  static final long CASE_MS = 3_000;

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void mutatedRequestsNeverBreakTheGatewayNorDesyncTheUpstream(@TempDir Path dir) throws Exception {
    long seed = Long.getLong("passage.fuzz.seed", DEFAULT_SEED);
    int cases = Integer.getInteger("passage.fuzz.cases", 2000);
    Integer only = Integer.getInteger("passage.fuzz.only");
    System.out.println("RequestFuzzTest: seed=" + seed + " cases=" + cases + (only == null ? "" : " only case " + only)
        + " (replay with -Dpassage.fuzz.seed=" + seed + ", one case with -Dpassage.fuzz.only=N)");
    Path audit = dir.resolve("audit.jsonl");
    List<String> failures = new ArrayList<>();
    try (RecordingUpstream upstream = RecordingUpstream.start();
        RunningGateway gw = RunningGateway.start("""
            listen: 127.0.0.1:0
            admin: { listen: 127.0.0.1:0 }
            server: { header_timeout: 1s, body_timeout: 1s }
            audit:
              sinks: [ { type: file, path: "${AUDIT}" } ]
            routes:
              - { name: all, match: { path_prefix: / }, upstream: { targets: ["${UP}"] } }
            """, Map.of("AUDIT", audit.toString(), "UP", upstream.url()))) {
      failures.addAll(runCases(gw.gateway.port(), seed, only == null ? 0 : only, only == null ? cases : only + 1));
      System.out.println("RequestFuzzTest: " + upstream.requestCount() + " requests reached the upstream");
      int alive = gw.get("/still-alive").statusCode();
      if (alive != 200) {
        failures.add("after the run a normal GET got " + alive + ", not 200");
      }
      failures.addAll(desyncs(upstream, audit, seed));
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " fuzz failure(s), seed " + seed + ":\n"
          + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    }
  }

  /** Runs cases {@code from} (inclusive) to {@code to} (exclusive), several at once, and describes each failing one. */
  static List<String> runCases(int port, long seed, int from, int to) throws Exception {
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    Map<String, Integer> kinds = new ConcurrentSkipListMap<>();
    AtomicInteger cutOff = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Integer.getInteger("passage.fuzz.threads", 32));
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int i = from; i < to; i++) {
        int index = i;
        runs.add(pool.submit(() -> {
          byte[] request = RequestMutator.forCase(seed, index);
          Outcome o = exchange(port, request);
          if (o.cutOff()) {
            cutOff.incrementAndGet();
          }
          String problem = o.problem();
          if (problem != null) {
            kinds.merge(problem.split("[(:]")[0].strip(), 1, Integer::sum);
            failures.add("case " + index + " (seed " + seed + "): " + problem
                + "\n  sent:     " + escape(request, 2000) + "\n  received: " + escape(o.received(), 600));
          }
          return null;
        }));
      }
      for (Future<?> run : runs) {
        run.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.println("RequestFuzzTest: " + (to - from) + " cases, " + cutOff.get() + " still open after "
        + CASE_MS + " ms, failing by kind: " + kinds);
    return new ArrayList<>(failures);
  }

  /**
   * Every request the upstream received must carry exactly one x-request-id that names an audit
   * record: a request smuggled inside another's body would reach the upstream without one (or with
   * a client-chosen one the gateway never admitted). And there can be no more upstream requests than
   * audit records that name an upstream target.
   */
  static List<String> desyncs(RecordingUpstream upstream, Path audit, long seed) throws Exception {
    List<byte[]> seen = upstream.requests();
    List<String> problems = new ArrayList<>();
    Set<String> wanted = new HashSet<>();
    for (byte[] r : seen) {
      List<String> ids = WireBytes.fieldValues(WireBytes.head(r), "x-request-id");
      if (ids.size() != 1) {
        problems.add("desync (seed " + seed + "): the upstream received a request with " + ids.size()
            + " x-request-id fields: " + escape(r, 1000));
      } else {
        wanted.add(ids.get(0));
      }
    }
    Set<String> recorded = new HashSet<>();
    int withTarget = 0;
    long deadline = System.currentTimeMillis() + 10_000;
    do {
      recorded.clear();
      withTarget = 0;
      if (Files.exists(audit)) {
        for (String line : AuditFile.completeLines(audit)) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode rec;
          try {
            rec = JSON.readTree(line);
          } catch (IOException partial) {
            continue; // the last line may still be being written
          }
          recorded.add(rec.path("request_id").asText());
          if (!rec.path("upstream").path("target").isMissingNode() && !rec.path("upstream").path("target").isNull()) {
            withTarget++;
          }
        }
      }
      if (recorded.containsAll(wanted) && withTarget >= seen.size()) {
        break;
      }
      Thread.sleep(100);
    } while (System.currentTimeMillis() < deadline);
    for (byte[] r : seen) {
      List<String> ids = WireBytes.fieldValues(WireBytes.head(r), "x-request-id");
      if (ids.size() == 1 && !recorded.contains(ids.get(0))) {
        problems.add("desync (seed " + seed + "): the upstream received request id " + ids.get(0)
            + " that no audit record has: " + escape(r, 1000));
      }
    }
    if (seen.size() > withTarget) {
      problems.add("desync (seed " + seed + "): the upstream received " + seen.size() + " requests but only "
          + withTarget + " audit records name an upstream target");
    }
    return problems;
  }

  /** What came back on one connection: {@code reset} when it ended with an RST rather than a FIN. */
  record Outcome(byte[] received, boolean reset, boolean cutOff, ResponseStream responses) {

    String problem() {
      for (int status : responses.statuses) {
        if (status >= 500 && status != 501 && status != 505) {
          return "the gateway answered " + status + " (the upstream only ever answers 200)";
        }
      }
      if (responses.malformed != null) {
        return "the gateway sent bytes that are not HTTP/1.x responses: " + responses.malformed;
      }
      // After an RST the client's TCP stack may drop what it had not yet read: only a FIN proves truncation.
      return responses.truncated && !reset ? "the gateway closed the connection inside a response" : null;
    }
  }

  /** Sends the bytes, never half-closes, reads until the gateway closes, goes quiet after a whole response, or CASE_MS. */
  static Outcome exchange(int port, byte[] request) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    boolean closed = false;
    boolean reset = false;
    boolean cutOff = false;
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(50);
      long start = System.currentTimeMillis();
      try {
        OutputStream out = s.getOutputStream();
        out.write(request);
        out.flush();
      } catch (IOException refusedEarly) {
        // the gateway may refuse and close before it has read everything; what it answered is still readable
      }
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      long lastByte = System.currentTimeMillis();
      while (true) {
        int n;
        try {
          n = in.read(buf);
        } catch (SocketTimeoutException quiet) {
          long now = System.currentTimeMillis();
          if (now - start > CASE_MS) {
            cutOff = true;
            break;
          }
          if (now - lastByte >= QUIET_MS && ResponseStream.parse(got.toByteArray(), false).completeAtEnd) {
            break;
          }
          continue;
        } catch (IOException e) {
          closed = true;
          reset = true;
          break;
        }
        if (n < 0) {
          closed = true;
          break;
        }
        got.write(buf, 0, n);
        lastByte = System.currentTimeMillis();
      }
    }
    return new Outcome(got.toByteArray(), reset, cutOff, ResponseStream.parse(got.toByteArray(), closed));
  }
}
