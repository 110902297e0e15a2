package dev.passage.gateway.adversity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Failover walks every target, however many: past 64 a bit mask used to wrap and give up early. */
class FailoverTest {

  @Test
  void aRequestFindsTheOneLiveTargetAmongSeventy() throws Exception {
    List<String> targets = new ArrayList<>();
    for (int i = 0; i < 69; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        // Closed again at once: connecting to it is refused.
        targets.add("\"http://127.0.0.1:" + s.getLocalPort() + "\"");
      }
    }
    try (RecordingUpstream live = RecordingUpstream.start()) {
      targets.add("\"" + live.url() + "\"");
      String yaml = """
          listen: 127.0.0.1:0
          routes:
            - name: r
              match: { path_prefix: / }
              upstream: { targets: [TARGETS], connect_timeout: 1s }
          """.replace("TARGETS", String.join(", ", targets));
      try (RunningGateway gw = RunningGateway.start(yaml, Map.of())) {
        for (int i = 0; i < 5; i++) {
          assertEquals(200, gw.get("/x" + i).statusCode(), "request " + i);
        }
      }
    }
  }
}
