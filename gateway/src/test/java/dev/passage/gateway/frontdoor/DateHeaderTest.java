package dev.passage.gateway.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.passage.gateway.support.LeakCheckExtension;
import dev.passage.gateway.support.RecordingUpstream;
import dev.passage.gateway.support.RunningGateway;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The upstream's Date and other header values reach the client as sent; a Date the gateway makes is IMF-fixdate. */
@ExtendWith(LeakCheckExtension.class)
class DateHeaderTest {

  static final String IMF_FIXDATE = "^[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$";
  static RecordingUpstream upstream;
  static RunningGateway gw;

  @BeforeAll
  static void start() throws Exception {
    upstream = RecordingUpstream.start(DateHeaderTest::answer);
    gw = RunningGateway.start("""
        listen: 127.0.0.1:0
        routes:
          - { name: up, match: { path_prefix: /up }, upstream: { targets: ["${UP}"] } }
        """, Map.of("UP", upstream.url()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    upstream.close();
  }

  /** The request path picks which extra header lines the 200 carries. */
  static byte[] answer(byte[] request) {
    String target = WireBytes.head(request).split(" ")[1];
    String extra = switch (target) {
      case "/up/fixdate" -> "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";
      case "/up/odd-date" -> "Date: Sun, 6 Nov 1994 08:49:37 GMT\r\n";
      case "/up/odd-values" -> "X-Odd:   spaced  value \t\r\nCache-Control: public\r\nExpires: 0\r\n";
      default -> "";
    };
    return WireBytes.latin1("HTTP/1.1 200 OK\r\n" + extra + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
  }

  static String head(String path) throws Exception {
    return WireBytes.responseHead(gw.gateway.port(), "GET " + path + " HTTP/1.1\r\nHost: date.test\r\nConnection: close\r\n\r\n");
  }

  @Test
  void theUpstreamsImfFixdatePassesUnchanged() throws Exception {
    String head = head("/up/fixdate");
    assertEquals(List.of("Sun, 06 Nov 1994 08:49:37 GMT"), WireBytes.fieldValues(head, "date"), head);
  }

  @Test
  void anOddButValidUpstreamDatePassesUnchanged() throws Exception {
    String head = head("/up/odd-date");
    assertEquals(List.of("Sun, 6 Nov 1994 08:49:37 GMT"), WireBytes.fieldValues(head, "date"),
        "the gateway neither rewrites nor adds a Date: " + head);
  }

  @Test
  void withoutAnUpstreamDateAnyDateTheClientGetsIsImfFixdate() throws Exception {
    String head = head("/up/no-date");
    assertTrue(head.startsWith("HTTP/1.1 200 "), head);
    assertImfFixdateIfAny(head);
  }

  @Test
  void theGatewaysOwn404CarriesAnImfFixdateIfAnyDate() throws Exception {
    String head = head("/not-routed");
    assertTrue(head.matches("(?s)HTTP/1\\.1 404 .*"), head);
    assertImfFixdateIfAny(head);
  }

  @Test
  void otherHeaderValuesPassByteForByteApartFromTheirOuterWhitespace() throws Exception {
    String head = head("/up/odd-values");
    // RFC 9110 5.5: leading and trailing OWS are not part of a field value; the inner double space is.
    assertEquals(List.of("spaced  value"), WireBytes.fieldValues(head, "x-odd"), head);
    assertEquals(List.of("public"), WireBytes.fieldValues(head, "cache-control"), head);
    assertEquals(List.of("0"), WireBytes.fieldValues(head, "expires"), head);
  }

  static void assertImfFixdateIfAny(String head) {
    List<String> dates = WireBytes.fieldValues(head, "date");
    assertTrue(dates.size() <= 1, "one Date at most: " + head);
    for (String d : dates) {
      assertTrue(d.matches(IMF_FIXDATE), "not IMF-fixdate: '" + d + "'");
    }
  }
}
