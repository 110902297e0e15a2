package dev.passage.gateway.proxy;

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

  static void send(HttpServerResponse response, int status, String message, String requestId) {
    if (response.headWritten() || response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader(ForwardingHeaders.REQUEST_ID, requestId)
        .end(body(status, message, requestId));
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
      case 505:
        return "HTTP/1.0 client and a response of unknown length; use HTTP/1.1";
      default:
        return "error";
    }
  }
}
