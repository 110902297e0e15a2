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
   * Returns the body sent, or null when nothing was sent.
   */
  static String send(HttpServerRequest request, int status, String message, String requestId, boolean close) {
    String body = prepare(request, status, message, requestId, close);
    finish(request, body, close);
    return body;
  }

  /**
   * Sets the status and headers of the answer without sending it, so the exchange can be ended
   * (and recorded with them) before the response's end handlers run. Returns the body to pass to
   * {@link #finish}, or null when a response already started.
   */
  static String prepare(HttpServerRequest request, int status, String message, String requestId, boolean close) {
    HttpServerResponse response = request.response();
    if (response.headWritten() || response.ended() || response.closed()) {
      return null;
    }
    response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("date", HttpDates.now())
        .putHeader(ForwardingHeaders.REQUEST_ID, requestId);
    if (close) {
      response.putHeader("connection", "close");
    }
    return body(status, message, requestId);
  }

  /** Sends what {@link #prepare} set up (nothing when it returned null), closing if asked. */
  static void finish(HttpServerRequest request, String body, boolean close) {
    if (body == null) {
      if (close) {
        request.connection().close();
      }
      return;
    }
    request.response().end(body).onComplete(written -> {
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
