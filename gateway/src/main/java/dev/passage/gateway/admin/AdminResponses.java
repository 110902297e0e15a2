package dev.passage.gateway.admin;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/** The admin listener's answers: JSON documents, plain text, and short JSON errors. */
final class AdminResponses {

  static final String JSON = "application/json";
  static final String TEXT = "text/plain; charset=utf-8";

  private AdminResponses() {}

  static void json(HttpServerRequest request, int status, JsonObject body) {
    send(request, status, JSON, body.encode() + "\n");
  }

  static void text(HttpServerRequest request, String body) {
    send(request, 200, TEXT, body);
  }

  static void error(HttpServerRequest request, int status, String message) {
    json(request, status, new JsonObject().put("error", message).put("status", status));
  }

  static void notFound(HttpServerRequest request) {
    error(request, 404, "no admin endpoint at " + request.path());
  }

  /** True when the method is {@code allowed}; otherwise answers 405 with the Allow header. */
  static boolean method(HttpServerRequest request, String allowed) {
    if (request.method().name().equals(allowed)) {
      return true;
    }
    request.response().putHeader("Allow", allowed);
    error(request, 405, request.method() + " not allowed on " + request.path() + "; use " + allowed);
    return false;
  }

  static void send(HttpServerRequest request, int status, String contentType, String body) {
    if (request.response().ended() || request.response().closed()) {
      return;
    }
    request.response().setStatusCode(status).putHeader("content-type", contentType).end(body);
  }
}
