package dev.passage.gateway.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's own answers: short JSON bodies that say what went wrong without internal details
 * (no upstream addresses, no exception text).
 */
final class ErrorResponses {

  private ErrorResponses() {}

  static String body(int status, String message, String requestId) {
    return "{\"error\":\"" + message + "\",\"status\":" + status + ",\"request_id\":\"" + requestId + "\"}\n";
  }

  /**
   * The answer to {@code exchange}, not yet sent, so the exchange can be ended (and recorded with
   * it) first; null when a response already started. With {@code close}, it says
   * {@code Connection: close} and the connection closes once it is written: after a refusal nothing
   * more of the connection may be read as a request (RFC 9112 sections 6.3 and 9.6).
   */
  static FullHttpResponse prepare(Exchange exchange, int status, String message, boolean close) {
    if (exchange.responseStarted || exchange.client.gone()) {
      return null;
    }
    byte[] body = body(status, message, exchange.id).getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(ClientConnection.versionFor(exchange.request),
        HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
    HttpHeaders headers = response.headers();
    headers.set("content-type", "application/json")
        .set("content-length", body.length)
        .set("date", HttpDates.now())
        .set(ForwardingHeaders.REQUEST_ID, exchange.id);
    if (close || exchange.client.closeAfterResponse()) {
      headers.set("connection", "close");
    }
    return response;
  }

  /** The body of a prepared answer, as the record keeps it. */
  static String bodyOf(FullHttpResponse response) {
    return response == null ? null : response.content().toString(StandardCharsets.UTF_8);
  }

  /** Sends what {@link #prepare} set up (nothing when it returned null), closing if asked. */
  static void finish(Exchange exchange, FullHttpResponse response, boolean close) {
    if (response == null) {
      if (close) {
        exchange.client.closeNow();
      }
      return;
    }
    exchange.responseStarted = true;
    boolean closing = close || exchange.client.closeAfterResponse();
    exchange.afterRecorded(() -> exchange.client.writeLast(response, closing, ChannelFutureListener.CLOSE_ON_FAILURE));
  }

  static String messageFor(int status) {
    switch (status) {
      case 400:
        return "bad request";
      case 404:
        return "no route matches this request";
      case 502:
        return "upstream unavailable";
      case 503:
        return "upstream busy";
      case 504:
        return "upstream timed out";
      default:
        return "error";
    }
  }
}
