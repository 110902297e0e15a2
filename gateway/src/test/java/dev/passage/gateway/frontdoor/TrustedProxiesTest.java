package dev.passage.gateway.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.LeakCheckExtension;
import dev.passage.gateway.support.RawClient;
import dev.passage.gateway.support.RawResponse;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Forwarding headers from a peer outside {@code server.trusted_proxies} are replaced, not appended
 * to: a client cannot make the upstream believe it is someone else.
 */
@ExtendWith(LeakCheckExtension.class)
class TrustedProxiesTest {

  static final String SPOOFED = "GET /who HTTP/1.1\r\nHost: shop.test\r\nX-Forwarded-For: 6.6.6.6\r\n"
      + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n"
      + "Connection: close\r\n\r\n";

  /** Sends {@link #SPOOFED} from 127.0.0.1 through a gateway with {@code serverSection} and returns the upstream's view of it. */
  static String upstreamHead(String serverSection) throws Exception {
    try (RecordingUpstream up = RecordingUpstream.start();
        RunningGateway gw = RunningGateway.start("listen: 127.0.0.1:0\n" + serverSection + """
            routes:
              - { name: all, match: { path_prefix: / }, upstream: { targets: ["${UP}"] } }
            """, Map.of("UP", up.url()));
        RawClient client = RawClient.connect(gw.gateway.port())) {
      RawResponse r = client.send(SPOOFED).read();
      assertNotNull(r);
      assertEquals(200, r.status(), r.bodyText());
      assertTrue(up.awaitRequests(1, 5_000));
      return WireBytes.head(up.requests().get(0));
    }
  }

  @ParameterizedTest(name = "server section: [{0}]")
  @ValueSource(strings = {"", "server: { trusted_proxies: [] }\n"})
  void anUntrustedPeersForwardingHeadersAreReplaced(String serverSection) throws Exception {
    String head = upstreamHead(serverSection);
    assertFalse(head.contains("6.6.6.6"), "no spoofed address reaches the upstream:\n" + head);
    assertFalse(head.contains("evil"), "no spoofed host reaches the upstream:\n" + head);
    assertEquals(List.of("127.0.0.1"), WireBytes.fieldValues(head, "x-forwarded-for"), head);
    assertEquals(List.of("http"), WireBytes.fieldValues(head, "x-forwarded-proto"), "the client spoke plain http:\n" + head);
    assertEquals(List.of("shop.test"), WireBytes.fieldValues(head, "x-forwarded-host"), head);
    List<String> realIp = WireBytes.fieldValues(head, "x-real-ip");
    assertTrue(realIp.isEmpty() || realIp.equals(List.of("127.0.0.1")), "X-Real-IP absent or the peer:\n" + head);
    for (String forwarded : WireBytes.fieldValues(head, "forwarded")) {
      assertTrue(forwarded.startsWith("for=127.0.0.1") && !forwarded.contains(","),
          "Forwarded holds only this hop: " + forwarded);
    }
  }

  @Test
  void aTrustedPeersForwardedForIsAppendedTo() throws Exception {
    String head = upstreamHead("server: { trusted_proxies: [127.0.0.0/8] }\n");
    assertEquals(List.of("6.6.6.6, 127.0.0.1"), WireBytes.fieldValues(head, "x-forwarded-for"), head);
  }
}
