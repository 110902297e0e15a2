package dev.passage.gateway.admin;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /debug/*}, reached only after the bearer token was checked. Everything here blocks (it
 * walks the heap, stops threads for a dump, or touches disk), so each runs on a worker thread.
 */
final class DebugEndpoints {

  private static final Logger log = LoggerFactory.getLogger(DebugEndpoints.class);

  static final int DEFAULT_TOP = 50;
  static final int MAX_TOP = 10_000;

  private final Vertx vertx;
  private final MemoryReport memory;
  private final JfrRecordings jfr;

  DebugEndpoints(Vertx vertx, MemoryReport memory, JfrRecordings jfr) {
    this.vertx = vertx;
    this.memory = memory;
    this.jfr = jfr;
  }

  void handle(HttpServerRequest request) {
    String path = request.path();
    if (path.equals("/debug/jfr/start")) {
      if (AdminResponses.method(request, "POST")) {
        startRecording(request);
      }
      return;
    }
    if (!AdminResponses.method(request, "GET")) {
      return;
    }
    switch (path) {
      case "/debug/memory":
        blocking(request, () -> memory.snapshot())
            .onSuccess(doc -> AdminResponses.send(request, 200, AdminResponses.JSON, doc.encodePrettily() + "\n"));
        break;
      case "/debug/threads":
        blocking(request, DiagnosticCommands::threadPrint).onSuccess(text -> AdminResponses.text(request, text));
        break;
      case "/debug/heap-histogram":
        Integer top = intParam(request, "top", DEFAULT_TOP, 1, MAX_TOP);
        if (top != null) {
          blocking(request, () -> HeapHistogram.top(DiagnosticCommands.classHistogram(), top))
              .onSuccess(text -> AdminResponses.text(request, text));
        }
        break;
      default:
        if (path.startsWith("/debug/jfr/")) {
          download(request, path.substring("/debug/jfr/".length()));
        } else {
          AdminResponses.notFound(request);
        }
    }
  }

  private void startRecording(HttpServerRequest request) {
    Integer seconds = intParam(request, "seconds", null, 1, JfrRecordings.MAX_SECONDS);
    if (seconds == null) {
      return;
    }
    blocking(request, () -> jfr.start(seconds)).onSuccess(id -> {
      log.info("admin: JFR recording {} started for {}s by {}", id, seconds, request.remoteAddress());
      AdminResponses.json(request, 200, new JsonObject().put("id", id).put("seconds", seconds));
    });
  }

  private void download(HttpServerRequest request, String idText) {
    long id;
    try {
      id = Long.parseLong(idText);
    } catch (NumberFormatException e) {
      AdminResponses.notFound(request);
      return;
    }
    blocking(request, () -> jfr.take(id)).onSuccess(file -> request.response()
        .putHeader("content-type", "application/octet-stream")
        .putHeader("content-disposition", "attachment; filename=\"" + file.getFileName() + "\"")
        // sendFile streams from disk (zero-copy where the OS allows); a recording can be hundreds of MiB.
        .sendFile(file.toString())
        .onComplete(sent -> delete(file)));
  }

  private void delete(Path file) {
    vertx.fileSystem().delete(file.toString())
        .onFailure(e -> log.warn("admin: cannot delete downloaded recording {}: {}", file, e.getMessage()));
  }

  /**
   * Runs {@code work} on a worker thread; a failure is answered here (status from its type, in one
   * place) and the returned future then never succeeds.
   */
  private <T> Future<T> blocking(HttpServerRequest request, Callable<T> work) {
    // Unordered: a slow heap histogram must not hold up a memory report queued behind it.
    return vertx.executeBlocking(work, false).onFailure(e -> {
      if (e instanceof JfrRecordings.RecordingInProgressException) {
        AdminResponses.error(request, 409, e.getMessage());
      } else if (e instanceof NoSuchElementException) {
        AdminResponses.error(request, 404, e.getMessage());
      } else if (e instanceof JfrRecordings.LimitReachedException) {
        // Too many recordings waiting for download: the client must act before it may start more.
        AdminResponses.error(request, 429, e.getMessage());
      } else {
        log.warn("admin: {} failed", request.path(), e);
        AdminResponses.error(request, 500, request.path() + " failed: " + e.getMessage());
      }
    });
  }

  /** The parameter as an int in [min, max], the default when absent; null after answering 400. */
  private static Integer intParam(HttpServerRequest request, String name, Integer fallback, int min, int max) {
    String raw = request.getParam(name);
    if (raw == null && fallback != null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    AdminResponses.error(request, 400, name + " must be an integer in " + min + ".." + max + ", got " + raw);
    return null;
  }
}
