package dev.passage.gateway.proxy;

import dev.passage.gateway.routing.RouteRule;
import dev.passage.gateway.routing.RouteTable;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Per-request work of the engine besides Netty's codecs: the route lookup and the request
 * header rewrite (hop-by-hop removal, forwarding headers, request id). In this package because
 * {@link ForwardingHeaders} is package-private. One operation is one request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HeaderRewriteBenchmark {

  private RouteTable<String> table;

  @Setup
  public void routes() {
    RouteTable.Builder<String> builder = RouteTable.builder();
    for (int i = 0; i < 20; i++) {
      builder.add(new RouteRule("*", "/svc" + i + "/", Set.of()), "svc" + i);
    }
    builder.add(new RouteRule("api.example.com", "/", Set.of("GET", "POST")), "api");
    builder.add(new RouteRule("*", "/", Set.of()), "default");
    table = builder.build();
  }

  /** Match a request against 22 routes (host, prefix, method), the last-but-one matching. */
  @Benchmark
  public String route() {
    return table.match("api.example.com", "/orders/42", "GET");
  }

  /** Rewrite a typical request's headers as the engine does before forwarding. */
  @Benchmark
  public HttpHeaders rewriteHeaders() {
    HttpHeaders headers = new DefaultHttpHeaders(false)
        .add("Host", "api.example.com").add("User-Agent", "bench").add("Accept", "*/*")
        .add("Connection", "keep-alive, X-Trace").add("X-Trace", "1").add("Keep-Alive", "timeout=5")
        .add("X-Forwarded-For", "10.9.9.9").add("Content-Type", "application/json");
    ForwardingHeaders.removeHopByHop(headers);
    ForwardingHeaders.addForwarding(headers, "203.0.113.7", false, "http", "api.example.com",
        "0123456789abcdef0123456789abcdef");
    return headers;
  }
}
