package dev.passage.gateway.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The front door's strict parse of one request head as a load generator sends it (in this package
 * because the parser is package-private: the benchmark is compiled beside it, not exported). One
 * operation is one head; ops/s is how many heads one core can admit.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FrontDoorBenchmark {

  private static final byte[] HEAD = ("GET /json?size=1024 HTTP/1.1\r\nHost: 127.0.0.1:18081\r\n"
      + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) bench\r\nAccept: application/json, */*;q=0.8\r\n"
      + "Accept-Encoding: gzip, deflate\r\nAuthorization: Bearer abc.def.ghi\r\nX-Request-Id: 0123456789abcdef\r\n"
      + "Connection: keep-alive\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

  private RequestHeadParser parser;
  private ByteBuf buf;

  @Setup
  public void setUp() {
    parser = new RequestHeadParser(new EdgeLimits(8192, 16384, 100, EdgeLimits.DEFAULT_MAX_CHUNK_LINE_BYTES, 1000,
        Duration.ofSeconds(60), Duration.ofSeconds(60), false, false));
    buf = Unpooled.wrappedBuffer(HEAD);
  }

  /** Parse a whole head that arrived in one read. */
  @Benchmark
  public Object parseHead() {
    buf.readerIndex(0);
    parser.reset();
    if (!parser.parse(buf)) {
      throw new IllegalStateException("head did not parse");
    }
    return parser.fields();
  }
}
