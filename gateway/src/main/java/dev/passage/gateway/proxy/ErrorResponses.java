package dev.passage.gateway.proxy;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

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
   * Answers {@code request} unless a response already started. With {@code close}, the answer says
   * {@code Connection: close} and the connection is closed once it is written: after a refusal
   * nothing more of the connection may be read as a request (RFC 9112 sections 6.3 and 9.6).
   */
  static void send(HttpServerRequest request, int status, String message, String requestId, boolean close) {
    HttpServerResponse response = request.response();
    if (response.headWritten() || response.ended() || response.closed()) {
      if (close) {
        request.connection().close();
      }
      return;
    }
    response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("date", HttpDates.now())
        .putHeader(ForwardingHeaders.REQUEST_ID, requestId);
    if (close) {
      response.putHeader("connection", "close");
    }
    response.end(body(status, message, requestId)).onComplete(written -> {
      if (close) {
        request.connection().close();
      }
    });
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
