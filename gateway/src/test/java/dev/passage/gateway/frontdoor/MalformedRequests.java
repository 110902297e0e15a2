package dev.passage.gateway.frontdoor;

import static dev.passage.gateway.frontdoor.Case.admitted;
import static dev.passage.gateway.frontdoor.Case.refused;
import static dev.passage.gateway.frontdoor.UpstreamChecks.body;
import static dev.passage.gateway.frontdoor.UpstreamChecks.header;
import static dev.passage.gateway.frontdoor.UpstreamChecks.noHeader;
import static dev.passage.gateway.frontdoor.UpstreamChecks.nowhere;
import static dev.passage.gateway.frontdoor.UpstreamChecks.requestLine;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The front-door table (/work/frontdoor-spec.md, "Rules"), one method per section of the spec. Each
 * refusal sits next to the valid control that shows the gateway does not refuse too much. Routes:
 * {@code /strip} strips its prefix, {@code /small} has {@code max_request_body_bytes: 16}, {@code /} takes the rest.
 */
final class MalformedRequests {

  private MalformedRequests() {}

  static final String HOST = "Host: h\r\n";
  /** A request the gateway would smuggle through if it misread the framing of the one before. */
  static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";

  static Stream<Case> all() {
    List<Case> all = new ArrayList<>();
    all.addAll(requestLines());
    all.addAll(versions());
    all.addAll(targets());
    all.addAll(paths());
    all.addAll(hosts());
    all.addAll(fields());
    all.addAll(framing());
    all.addAll(chunkedBodies());
    all.addAll(limitsAndExpect());
    return all.stream();
  }

  static String get(String target) {
    return "GET " + target + " HTTP/1.1\r\n" + HOST + "\r\n";
  }

  static String withHeaders(String fields) {
    return "GET /x HTTP/1.1\r\n" + HOST + fields + "\r\n";
  }

  static String post(String target, String fields, String body) {
    return "POST " + target + " HTTP/1.1\r\n" + HOST + fields + "\r\n" + body;
  }

  static String chunkedPost(String target, String body) {
    return post(target, "Transfer-Encoding: chunked\r\n", body);
  }

  static List<Case> requestLines() {
    return List.of(
        admitted("plain GET is forwarded as sent", get("/ok"))
            .upstreamSees(requestLine("GET /ok HTTP/1.1")),
        admitted("leading empty lines before the request line are ignored", "\r\n\r\n" + get("/lead"))
            .upstreamSees(requestLine("GET /lead HTTP/1.1")),
        refused("two spaces after the method", 400, "bad_request_line", "GET  /x HTTP/1.1\r\n" + HOST + "\r\n"),
        refused("two spaces before the version", 400, "bad_request_line", "GET /x  HTTP/1.1\r\n" + HOST + "\r\n"),
        refused("space after the version", 400, "bad_request_line", "GET /x HTTP/1.1 \r\n" + HOST + "\r\n"),
        refused("leading space: empty method", 400, "bad_request_line", " GET /x HTTP/1.1\r\n" + HOST + "\r\n"),
        refused("tab as separator", 400, "bad_request_line", "GET\t/x HTTP/1.1\r\n" + HOST + "\r\n"),
        refused("missing version", 400, "bad_request_line", "GET /x\r\n" + HOST + "\r\n"),
        refused("method alone", 400, "bad_request_line", "GET\r\n" + HOST + "\r\n"),
        refused("words that are not HTTP", 400, "bad_request_line", "NOT HTTP AT ALL\r\n\r\n"),
        refused("version token not HTTP/", 400, "bad_request_line", "GET /x FOO/1.1\r\n" + HOST + "\r\n"),
        refused("bare LF ends the request line", 400, "bad_request_line", "GET /x HTTP/1.1\n" + HOST + "\r\n"),
        refused("bare CR inside the request line", 400, "bad_request_line", "GET /a\rb HTTP/1.1\r\n" + HOST + "\r\n"),
        refused("NUL in the target", 400, "bad_request_line", "GET /a\0b HTTP/1.1\r\n" + HOST + "\r\n"),
        refused("control byte in the method", 400, "bad_request_line", "G\u0001T /x HTTP/1.1\r\n" + HOST + "\r\n"),
        refused("DEL in the target", 400, "bad_request_line", "GET /a\u007fb HTTP/1.1\r\n" + HOST + "\r\n"),
        refused("non-token method", 400, "bad_request_line", "GE(T /x HTTP/1.1\r\n" + HOST + "\r\n"),
        refused("byte >= 0x80 in the target", 400, "bad_request_line", "GET /caf\u00e9 HTTP/1.1\r\n" + HOST + "\r\n"));
  }

  static List<Case> versions() {
    return List.of(
        refused("HTTP/1.2", 505, "unsupported_version", "GET /x HTTP/1.2\r\n" + HOST + "\r\n"),
        refused("HTTP/2.0 on an HTTP/1 request line", 505, "unsupported_version", "GET /x HTTP/2.0\r\n" + HOST + "\r\n"),
        refused("HTTP/01.1", 505, "unsupported_version", "GET /x HTTP/01.1\r\n" + HOST + "\r\n"),
        refused("HTTP/1.10", 505, "unsupported_version", "GET /x HTTP/1.10\r\n" + HOST + "\r\n"),
        refused("lower-case http/1.1", 505, "unsupported_version", "GET /x http/1.1\r\n" + HOST + "\r\n"),
        refused("mixed-case Http/1.1", 505, "unsupported_version", "GET /x Http/1.1\r\n" + HOST + "\r\n"),
        refused("HTTP/2 prior-knowledge preface", 505, "http2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        admitted("HTTP/1.0 without Host: one request, then close", "GET /ten HTTP/1.0\r\n\r\n")
            .closing().upstreamSees(new Case.Check<>("request line `GET /ten HTTP/1.x`",
                seen -> !seen.isEmpty() && seen.get(0).matches("(?s)GET /ten HTTP/1\\.[01]\r\n.*"))));
  }

  static List<Case> targets() {
    return List.of(
        refused("relative target `GET x`", 400, "bad_target", get("x")),
        refused("asterisk with GET", 400, "bad_target", get("*")),
        refused("asterisk with POST", 400, "bad_target", post("*", "Content-Length: 0\r\n", "")),
        refused("authority-form with GET", 400, "bad_target", get("host:443")),
        refused("CONNECT is not supported", 501, "connect_unsupported",
            "CONNECT host:443 HTTP/1.1\r\nHost: host:443\r\n\r\n"),
        admitted("OPTIONS * is answered by the gateway", "OPTIONS * HTTP/1.1\r\n" + HOST + "\r\n")
            .answeredLocally(200).responseHas("an Allow header", r -> r.header("allow") != null),
        admitted("absolute-form replaces Host, routes, strips and is sent origin-form",
            "GET http://other/strip/x HTTP/1.1\r\n" + HOST + "\r\n")
            .upstreamSees(requestLine("GET /x HTTP/1.1"), header("Host", "other")),
        admitted("absolute-form keeps its query", "GET http://other/strip/x?q=1&r=%2F HTTP/1.1\r\n" + HOST + "\r\n")
            .upstreamSees(requestLine("GET /x?q=1&r=%2F HTTP/1.1"), header("Host", "other")),
        admitted("absolute-form scheme in upper case, authority with port", "GET HTTP://other:8080/y HTTP/1.1\r\n" + HOST + "\r\n")
            .upstreamSees(requestLine("GET /y HTTP/1.1"), header("Host", "other:8080")),
        admitted("absolute-form https", "GET https://other/z HTTP/1.1\r\n" + HOST + "\r\n")
            .upstreamSees(requestLine("GET /z HTTP/1.1"), header("Host", "other")),
        admitted("absolute-form with an empty path is sent as /", "GET http://other HTTP/1.1\r\n" + HOST + "\r\n")
            .upstreamSees(requestLine("GET / HTTP/1.1"), header("Host", "other")),
        refused("absolute-form with userinfo", 400, "bad_target", get("http://u@other/x")),
        refused("absolute-form with an empty authority", 400, "bad_target", get("http:///x")),
        refused("absolute-form with a port past 65535", 400, "bad_target", get("http://other:65536/x")),
        refused("absolute-form with another scheme", 400, "bad_target", get("ftp://other/x")));
  }

  static List<Case> paths() {
    return List.of(
        admitted("dot-dot segment is removed before routing", get("/api/../admin"))
            .upstreamSees(requestLine("GET /admin HTTP/1.1")),
        admitted("the normalised path is what routes and strips", get("/other/../strip/x"))
            .upstreamSees(requestLine("GET /x HTTP/1.1")),
        admitted("single-dot segment is removed", get("/x/./y"))
            .upstreamSees(requestLine("GET /x/y HTTP/1.1")),
        admitted("trailing dot-dot keeps the slash", get("/a/b/.."))
            .upstreamSees(requestLine("GET /a/ HTTP/1.1")),
        admitted("percent-encoded dots are decoded, then removed", get("/a/%2e%2e/b"))
            .upstreamSees(requestLine("GET /b HTTP/1.1")),
        admitted("upper-case percent-encoded dots likewise", get("/a/b/%2E%2E/c"))
            .upstreamSees(requestLine("GET /a/c HTTP/1.1")),
        admitted("encoded unreserved characters are decoded", get("/%7Euser/%41%2d%5f"))
            .upstreamSees(requestLine("GET /~user/A-_ HTTP/1.1")),
        admitted("other escapes are upper-cased, not decoded", get("/a%3fb"))
            .upstreamSees(requestLine("GET /a%3Fb HTTP/1.1")),
        admitted("an encoded slash is kept and routes on the raw path", get("/strip%2fx"))
            .upstreamSees(requestLine("GET /strip%2Fx HTTP/1.1")),
        admitted("a backslash is kept as it is", get("/a\\b"))
            .upstreamSees(requestLine("GET /a\\b HTTP/1.1")),
        admitted("the query string passes unchanged", get("/q?a=%2e%2e/../&b=%7e"))
            .upstreamSees(requestLine("GET /q?a=%2e%2e/../&b=%7e HTTP/1.1")),
        refused("dot-dot above the root", 400, "bad_path", get("/../x")),
        refused("dot-dot above the root after a segment", 400, "bad_path", get("/a/../../x")),
        refused("encoded dot-dot above the root", 400, "bad_path", get("/%2e%2e/x")),
        refused("invalid escape %zz", 400, "bad_path", get("/a%zzb")),
        refused("truncated escape %4", 400, "bad_path", get("/a%4")));
  }

  static List<Case> hosts() {
    return List.of(
        refused("no Host on HTTP/1.1", 400, "missing_host", "GET /x HTTP/1.1\r\n\r\n"),
        refused("two different Hosts", 400, "duplicate_host", withHeaders("Host: other\r\n")),
        refused("two identical Hosts", 400, "duplicate_host", withHeaders(HOST)),
        refused("two Hosts on HTTP/1.0", 400, "duplicate_host", "GET /x HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"),
        refused("Host with a space", 400, "bad_host", "GET /x HTTP/1.1\r\nHost: a b\r\n\r\n"),
        refused("Host as a comma list", 400, "bad_host", "GET /x HTTP/1.1\r\nHost: a,b\r\n\r\n"),
        refused("Host with userinfo", 400, "bad_host", "GET /x HTTP/1.1\r\nHost: u@a\r\n\r\n"),
        refused("Host with a path", 400, "bad_host", "GET /x HTTP/1.1\r\nHost: a/b\r\n\r\n"),
        refused("Host with a non-numeric port", 400, "bad_host", "GET /x HTTP/1.1\r\nHost: a:http\r\n\r\n"),
        refused("Host with an empty port", 400, "bad_host", "GET /x HTTP/1.1\r\nHost: a:\r\n\r\n"),
        refused("Host with a port past 65535", 400, "bad_host", "GET /x HTTP/1.1\r\nHost: a:65536\r\n\r\n"),
        refused("Host with a six-digit port", 400, "bad_host", "GET /x HTTP/1.1\r\nHost: a:000080\r\n\r\n"),
        refused("Host with an unclosed IPv6 bracket", 400, "bad_host", "GET /x HTTP/1.1\r\nHost: [::1\r\n\r\n"),
        admitted("Host as IPv6 literal with port", "GET /x HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")
            .upstreamSees(header("Host", "[::1]:8080")),
        admitted("Host as IPv4 with port", "GET /x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n")
            .upstreamSees(header("Host", "127.0.0.1:8080")),
        // host_header: preserve passes the client's Host as sent, a default port included (nginx's $http_host).
        admitted("Host with the default port reaches the upstream as sent", "GET /x HTTP/1.1\r\nHost: h:80\r\n\r\n")
            .upstreamSees(header("Host", "h:80")),
        admitted("Host reg-name with - . _ ~", "GET /x HTTP/1.1\r\nHost: my_host-1.example~x\r\n\r\n")
            .upstreamSees(header("Host", "my_host-1.example~x")));
  }

  static List<Case> fields() {
    return List.of(
        refused("obs-fold with a space", 400, "bad_header", withHeaders("X-A: 1\r\n continued\r\n")),
        refused("obs-fold with a tab", 400, "bad_header", withHeaders("X-A: 1\r\n\tcontinued\r\n")),
        refused("whitespace before the first field line", 400, "bad_header", "GET /x HTTP/1.1\r\n X-A: 1\r\n" + HOST + "\r\n"),
        refused("empty field name", 400, "bad_header", withHeaders(": v\r\n")),
        refused("space before the colon", 400, "bad_header", withHeaders("X-A : v\r\n")),
        refused("tab before the colon", 400, "bad_header", withHeaders("X-A\t: v\r\n")),
        refused("field line without a colon", 400, "bad_header", withHeaders("X-A v\r\n")),
        refused("non-token field name", 400, "bad_header", withHeaders("X(A): v\r\n")),
        refused("NUL in a value", 400, "bad_header", withHeaders("X-A: a\0b\r\n")),
        refused("control byte in a value", 400, "bad_header", withHeaders("X-A: a\u0001b\r\n")),
        refused("DEL in a value", 400, "bad_header", withHeaders("X-A: a\u007fb\r\n")),
        refused("bare CR in a value", 400, "bad_header", withHeaders("X-A: a\rb\r\n")),
        refused("bare LF ends a field line", 400, "bad_header", "GET /x HTTP/1.1\r\nHost: h\nX-A: b\r\n\r\n"),
        refused("bare LF ends the head", 400, "bad_header", "GET /x HTTP/1.1\r\nHost: h\r\n\n"),
        admitted("tab inside a value", withHeaders("X-A: a\tb\r\n"))
            .upstreamSees(header("X-A", "a\tb")),
        admitted("obs-text in a value passes byte for byte", withHeaders("X-Latin: caf\u00e9\r\n"))
            .upstreamSees(header("X-Latin", "caf\u00e9")),
        admitted("every token character in a field name", withHeaders("X-!#$%&'*+.^_`|~: v\r\n"))
            .upstreamSees(header("X-!#$%&'*+.^_`|~", "v")));
  }

  static List<Case> framing() {
    return List.of(
        refused("xchunked is unknown, and the smuggled GET in its body goes nowhere", 501, "unknown_transfer_encoding",
            post("/x", "Transfer-Encoding: xchunked\r\n", "0\r\n\r\n" + SMUGGLED)),
        refused("Content-Length with chunked: the zero chunk and the GET after it go nowhere", 400, "te_and_cl",
            post("/x", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + SMUGGLED)),
        refused("chunked before Content-Length", 400, "te_and_cl",
            post("/x", "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n", "0\r\n\r\n" + SMUGGLED)),
        refused("unknown coding foo", 501, "unknown_transfer_encoding", post("/x", "Transfer-Encoding: foo\r\n", "")),
        refused("gzip, chunked", 400, "bad_transfer_encoding",
            post("/x", "Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n")),
        refused("chunked, chunked", 400, "bad_transfer_encoding",
            post("/x", "Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n")),
        refused("chunked on two lines", 400, "bad_transfer_encoding",
            post("/x", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")),
        refused("chunked not the final coding", 400, "bad_transfer_encoding",
            post("/x", "Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n")),
        refused("empty Transfer-Encoding", 400, "bad_transfer_encoding", post("/x", "Transfer-Encoding: \r\n", "")),
        refused("Transfer-Encoding on HTTP/1.0", 400, "te_http10",
            "POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        admitted("Transfer-Encoding: Chunked (any case)", chunkedPost("/c", "").replace("chunked", "Chunked")
            + "5\r\nhello\r\n0\r\n\r\n").upstreamSees(body("hello")),
        admitted("chunked POST then a pipelined GET", chunkedPost("/c", "5\r\nhello\r\n0\r\n\r\n") + get("/after"))
            .pipelined(1).upstreamSees(body("hello"), UpstreamChecks.requestLine(1, "GET /after HTTP/1.1")),
        admitted("Content-Length body", post("/c", "Content-Length: 5\r\n", "hello"))
            .upstreamSees(header("Content-Length", "5"), body("hello")),
        admitted("Content-Length: 0", post("/c", "Content-Length: 0\r\n", ""))
            .upstreamSees(body("")),
        admitted("identical Content-Length lines are forwarded once",
            post("/c", "Content-Length: 5\r\nContent-Length: 5\r\n", "hello"))
            .upstreamSees(header("Content-Length", "5"), body("hello")),
        admitted("identical Content-Length list is forwarded once", post("/c", "Content-Length: 5, 5\r\n", "hello"))
            .upstreamSees(header("Content-Length", "5"), body("hello")),
        refused("two differing Content-Length lines", 400, "bad_content_length",
            post("/x", "Content-Length: 3\r\nContent-Length: 4\r\n", "abcd")),
        refused("differing Content-Length list", 400, "bad_content_length", post("/x", "Content-Length: 3, 4\r\n", "abcd")),
        refused("Content-Length -1", 400, "bad_content_length", post("/x", "Content-Length: -1\r\n", "")),
        refused("Content-Length +1", 400, "bad_content_length", post("/x", "Content-Length: +1\r\n", "a")),
        refused("Content-Length `1 2`", 400, "bad_content_length", post("/x", "Content-Length: 1 2\r\n", "a")),
        refused("Content-Length 0x10", 400, "bad_content_length", post("/x", "Content-Length: 0x10\r\n", "")),
        refused("empty Content-Length", 400, "bad_content_length", post("/x", "Content-Length: \r\n", "")),
        refused("Content-Length past 2^63-1", 400, "bad_content_length",
            post("/x", "Content-Length: 9223372036854775808\r\n", "")));
  }

  static List<Case> chunkedBodies() {
    return List.of(
        admitted("chunk extensions and trailer fields are accepted, then dropped", chunkedPost("/c",
            "5;ext=val;flag\r\nhello\r\n6;q=\"a b\"\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"))
            .upstreamSees(body("hello world"), nowhere("ext=val"), nowhere("X-Trailer")),
        refused("chunk size not hex", 400, "bad_chunk", chunkedPost("/x", "zz\r\nhello\r\n0\r\n\r\n")),
        refused("negative chunk size", 400, "bad_chunk", chunkedPost("/x", "-5\r\nhello\r\n0\r\n\r\n")),
        refused("chunk size with 0x", 400, "bad_chunk", chunkedPost("/x", "0x5\r\nhello\r\n0\r\n\r\n")),
        refused("chunk size past 64 bits", 400, "bad_chunk", chunkedPost("/x", "1ffffffffffffffff\r\nhello\r\n0\r\n\r\n")),
        refused("empty chunk-size line", 400, "bad_chunk", chunkedPost("/x", "\r\nhello\r\n0\r\n\r\n")),
        refused("bare LF after the chunk size", 400, "bad_chunk", chunkedPost("/x", "5\nhello\r\n0\r\n\r\n")),
        refused("bare LF after the last chunk", 400, "bad_chunk", chunkedPost("/x", "0\n\n")),
        refused("chunk extension without a name", 400, "bad_chunk", chunkedPost("/x", "5;=x\r\nhello\r\n0\r\n\r\n")),
        refused("chunk extension with an unterminated quote", 400, "bad_chunk",
            chunkedPost("/x", "5;a=\"open\r\nhello\r\n0\r\n\r\n")),
        refused("64 KB chunk extension", 400, "bad_chunk",
            chunkedPost("/x", "5;a=" + "x".repeat(64 * 1024) + "\r\nhello\r\n0\r\n\r\n")),
        refused("missing CRLF after chunk data", 400, "bad_chunk", chunkedPost("/x", "5\r\nhelloX0\r\n\r\n")),
        refused("a bad chunk after a good one", 400, "bad_chunk", chunkedPost("/x", "5\r\nhello\r\nzz\r\n\r\n")),
        refused("trailer field with space before the colon", 400, "bad_chunk", chunkedPost("/x", "0\r\nX-T : v\r\n\r\n")),
        refused("trailer field without a colon", 400, "bad_chunk", chunkedPost("/x", "0\r\nNoColon\r\n\r\n")));
  }

  static List<Case> limitsAndExpect() {
    return List.of(
        refused("request line longer than 8192", 414, "request_line_too_long", get("/" + "a".repeat(9000))),
        admitted("request line of 8000 bytes", get("/" + "a".repeat(7980)))
            .upstreamSees(requestLine("GET /" + "a".repeat(7980) + " HTTP/1.1")),
        refused("header block larger than 16 KiB", 431, "headers_too_large",
            withHeaders("X-B1: " + "a".repeat(9000) + "\r\nX-B2: " + "b".repeat(9000) + "\r\n")),
        admitted("header block of 14 KB", withHeaders("X-B1: " + "a".repeat(7000) + "\r\nX-B2: " + "b".repeat(7000) + "\r\n"))
            .upstreamSees(header("X-B2", "b".repeat(7000))),
        refused("150 field lines", 431, "too_many_headers", withHeaders(fieldLines(149))),
        refused("101 field lines", 431, "too_many_headers", withHeaders(fieldLines(100))),
        admitted("100 field lines", withHeaders(fieldLines(99)))
            .upstreamSees(header("X-F99", "v")),
        refused("Content-Length 17 on a route allowing 16", 413, "body_too_large",
            post("/small", "Content-Length: 17\r\n", "0123456789abcdefg")),
        admitted("Content-Length 16 on a route allowing 16", post("/small", "Content-Length: 16\r\n", "0123456789abcdef"))
            .upstreamSees(body("0123456789abcdef")),
        refused("chunked body growing past 16 on a route allowing 16", 413, "body_too_large",
            chunkedPost("/small", "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n")),
        admitted("chunked body of 16 on a route allowing 16", chunkedPost("/small", "10\r\n0123456789abcdef\r\n0\r\n\r\n"))
            .upstreamSees(body("0123456789abcdef")),
        admitted("Expect: 100-continue is answered by the gateway, not forwarded",
            post("/c", "Expect: 100-continue\r\nContent-Length: 5\r\n", "hello"))
            .continued().upstreamSees(noHeader("Expect"), body("hello")),
        admitted("Expect: 100-Continue in any case", post("/c", "Expect: 100-Continue\r\nContent-Length: 5\r\n", "hello"))
            .continued().upstreamSees(noHeader("Expect"), body("hello")),
        refused("any other expectation", 417, "expectation_failed", withHeaders("Expect: something-else\r\n")),
        admitted("Connection: close is honoured", withHeaders("Connection: close\r\n")).closing());
  }

  /** {@code n} short field lines {@code X-F1: v} .. {@code X-Fn: v}. */
  static String fieldLines(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= n; i++) {
      b.append("X-F").append(i).append(": v\r\n");
    }
    return b.toString();
  }
}
