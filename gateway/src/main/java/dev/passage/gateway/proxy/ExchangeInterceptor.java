package dev.passage.gateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;
import java.util.List;
import java.util.Map;

/**
 * Passage's part of every proxied exchange: forwarding headers on the way up, hop-by-hop clean-up
 * on the way down, the response timeout, JSON error bodies instead of the proxy's empty 502, and
 * ending the {@link Exchange} on every path.
 */
final class ExchangeInterceptor implements ProxyInterceptor {

  static final String EXCHANGE = "passage.exchange";

  private final Vertx vertx;
  private final ProxyRoute route;

  ExchangeInterceptor(Vertx vertx, ProxyRoute route) {
    this.vertx = vertx;
    this.route = route;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext ctx) {
    Exchange exchange = ProxyRoute.takeHandoff();
    ctx.set(EXCHANGE, exchange);
    ProxyRequest request = ctx.request();
    HttpServerRequest client = request.proxiedRequest();
    String host = client.headers().get("host");
    ForwardingHeaders.removeHopByHop(request.headers());
    ForwardingHeaders.addForwarding(request.headers(), exchange.clientIp, route.trustedProxies.trusts(exchange.clientIp),
        client.scheme(), host, exchange.id);
    applyHostHeader(request, client);
    request.setURI(route.upstreamUri(request.getURI()));
    boolean bodiless = exchange.admission != null && !exchange.admission.hasBody();
    if (bodiless) {
      // The front door framed it: there is no body. Without one the library ends the upstream
      // request at once instead of piping an empty stream, and can send it a second time.
      request.setBody(null);
    }
    if (exchange.audit != null) {
      exchange.requestTee = exchange.audit.requestTee(client.headers(), requestHasBody(client));
      Body body = request.getBody();
      if (body != null) {
        request.setBody(Body.body(new TeeReadStream(body.stream(), exchange.requestTee), body.length(), body.mediaType()));
      }
    }

    long timeoutMs = route.upstream.responseTimeoutMs();
    Future<ProxyResponse> response = ctx.sendRequest();
    if (replayable(client, exchange)) {
      response = response.recover(failure -> {
        if (exchange.ended() || exchange.responseNanos != 0 || !Outcomes.isStaleConnection(failure)
            || exchange.clientGone()) {
          return Future.failedFuture(failure);
        }
        route.meters.retried();
        // The timer must watch the new request, not the dead one.
        exchange.upstreamRequest = null;
        return ctx.sendRequest();
      });
    }
    exchange.armResponseTimeout(vertx, timeoutMs);
    return response.andThen(ar -> exchange.cancelResponseTimeout(vertx)).recover(failure -> {
      int status = Outcomes.statusFor(failure);
      boolean clientGone = exchange.clientGone();
      Exchange.Outcome outcome = clientGone ? Exchange.Outcome.CLIENT_ABORT
          : status == 504 ? Exchange.Outcome.TIMEOUT : Exchange.Outcome.UPSTREAM_ERROR;
      String body = ErrorResponses.body(status, ErrorResponses.messageFor(status), exchange.id);
      if (!clientGone) {
        // What the library will send for this error response (it adds Date and Content-Length).
        exchange.answeredLocally(MultiMap.caseInsensitiveMultiMap()
            .add("content-type", "application/json")
            .add("content-length", Integer.toString(body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length))
            .add(ForwardingHeaders.REQUEST_ID, exchange.id), body);
      }
      exchange.end(outcome, clientGone ? 0 : status, Outcomes.describe(failure));
      ProxyResponse error = request.release().response()
          .setStatusCode(status)
          .putHeader("content-type", "application/json")
          .setBody(Body.body(Buffer.buffer(body), MediaType.APPLICATION_JSON));
      return Future.succeededFuture(error);
    });
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext ctx) {
    Exchange exchange = ctx.get(EXCHANGE, Exchange.class);
    ProxyResponse response = ctx.response();
    HttpServerRequest client = ctx.request().proxiedRequest();
    List<String> cacheControl = response.headers().getAll(UpstreamResponseFraming.HIDDEN_CACHE_CONTROL);
    if (!cacheControl.isEmpty()) {
      response.headers().remove(UpstreamResponseFraming.HIDDEN_CACHE_CONTROL).set("cache-control", cacheControl);
    }
    if (client.response().ended() || client.response().closed()) {
      // The gateway already answered (a refused body) or the client left: nothing to send.
      response.release();
      return Future.succeededFuture();
    }
    if (!exchange.ended()) {
      exchange.responseArrived(response.getStatusCode());
      String type = response.headers().get("content-type");
      if (type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17)) {
        exchange.sse = true;
        route.metrics.sseStarted();
      }
      ForwardingHeaders.removeHopByHop(response.headers());
      exchange.responseHeaders = response.headers();
      Body body = response.getBody();
      if (exchange.audit != null && body != null) {
        boolean hasBody = responseHasBody(ctx.request().getMethod().name(), response.getStatusCode());
        exchange.responseTee = exchange.audit.responseTee(response.headers(), hasBody);
        // The library resets the client when the upstream body fails: mark whose fault it was first.
        // (When the client left first, the library resets the upstream and this fires too: not a break.)
        response.setBody(Body.body(new TeeReadStream(body.stream(), exchange.responseTee, () -> {
          if (!exchange.clientGone()) {
            exchange.upstreamBroke = true;
          }
        }), body.length(), body.mediaType()));
      }
    }
    response.putHeader(ForwardingHeaders.REQUEST_ID, exchange.id);
    keepDate(response, client);
    Future<Void> sent = response.getBody() != null && response.getBody().length() < 0
        && client.version() == HttpVersion.HTTP_1_0
        ? closeDelimited(response, client)
        : ctx.sendResponse();
    return sent.andThen(ar -> {
      if (ar.succeeded()) {
        exchange.end(Exchange.Outcome.OK, 0, null);
      } else if (exchange.clientGone() && !exchange.upstreamBroke) {
        exchange.end(Exchange.Outcome.CLIENT_ABORT, 0, "client went away during the response");
      } else {
        exchange.end(Exchange.Outcome.UPSTREAM_ERROR, 0, "upstream failed during the response");
      }
    });
  }

  /**
   * The upstream's Date passes byte for byte (the proxy library re-formats it with a one-digit
   * day); a response without one gets an IMF-fixdate, as RFC 9110 section 6.6.1 asks of an origin.
   */
  private static void keepDate(ProxyResponse response, HttpServerRequest client) {
    List<String> upstreamDate = response.headers().getAll("date");
    client.response().headersEndHandler(v -> {
      if (upstreamDate.isEmpty()) {
        client.response().headers().set("date", HttpDates.now());
      } else {
        client.response().headers().set("date", upstreamDate);
      }
    });
  }

  /**
   * An HTTP/1.0 client cannot read chunks, and the proxy library would buffer the whole body to
   * learn its length. Streamed as it arrives instead, delimited by closing the connection (RFC
   * 9112 section 6.3, rule 8); the front door never keeps an HTTP/1.0 connection alive.
   */
  private static Future<Void> closeDelimited(ProxyResponse response, HttpServerRequest client) {
    HttpServerResponse out = client.response();
    out.setStatusCode(response.getStatusCode());
    if (response.getStatusMessage() != null) {
      out.setStatusMessage(response.getStatusMessage());
    }
    for (Map.Entry<String, String> h : response.headers()) {
      if (!h.getKey().equalsIgnoreCase("transfer-encoding") && !h.getKey().equalsIgnoreCase("content-length")) {
        out.headers().add(h.getKey(), h.getValue());
      }
    }
    String type = response.getBody().mediaType();
    if (type != null && !out.headers().contains("content-type")) {
      out.putHeader("content-type", type);
    }
    return response.getBody().stream().pipeTo(out);
  }

  /**
   * Safe to send again (RFC 9110 section 9.2.2): an idempotent method, or an Idempotency-Key, and
   * no body, so nothing of the request is lost by sending it twice.
   */
  private static boolean replayable(HttpServerRequest client, Exchange exchange) {
    if (exchange.admission != null && exchange.admission.hasBody()) {
      return false;
    }
    switch (client.method().name()) {
      case "GET":
      case "HEAD":
      case "OPTIONS":
      case "TRACE":
      case "PUT":
      case "DELETE":
        return true;
      default:
        return client.headers().contains("idempotency-key");
    }
  }

  private static boolean requestHasBody(HttpServerRequest client) {
    String length = client.getHeader("content-length");
    return (length != null && !length.trim().equals("0")) || client.headers().contains("transfer-encoding");
  }

  /** RFC 9110: HEAD responses and 1xx, 204 and 304 have no content. */
  private static boolean responseHasBody(String method, int status) {
    return !method.equals("HEAD") && status >= 200 && status != 204 && status != 304;
  }

  private void applyHostHeader(ProxyRequest request, HttpServerRequest client) {
    String mode = route.hostHeader;
    if (mode.equals("target")) {
      return;
    }
    if (mode.equals("preserve")) {
      HostAndPort authority = client.authority();
      if (authority != null) {
        request.setAuthority(authority);
      }
      return;
    }
    request.setAuthority(HostAndPort.authority(mode));
  }
}
