package dev.passage.gateway.admin;

import dev.passage.audit.AuditPipeline;
import dev.passage.audit.StreamHead;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * {@code GET /audit/head}: the last signed checkpoint each sink stored, so that someone who saves the
 * answer somewhere the log writers cannot reach holds an anchor ({@code passage audit verify --anchor}
 * takes the saved answer or this URL): a tail cut after that checkpoint shows as {@code truncated}.
 * Answers from state at hand (volatile reads), on the event loop.
 */
public final class AuditHeadEndpoint {

  private final AuditPipeline pipeline;

  private AuditHeadEndpoint(AuditPipeline pipeline) {
    this.pipeline = pipeline;
  }

  /** The endpoint for a pipeline that signs checkpoints; null when there is nothing to serve. */
  public static AuditHeadEndpoint of(AuditPipeline pipeline) {
    return pipeline == null || !pipeline.writesCheckpoints() ? null : new AuditHeadEndpoint(pipeline);
  }

  void handle(HttpServerRequest request) {
    if (AdminResponses.method(request, "GET")) {
      AdminResponses.json(request, 200, document());
    }
  }

  /**
   * {@code {"instance","time","key_ids":[signing key, earlier keys…],"streams":[{"sink","stream","seq",
   * "checkpoint":{…}|null}]}}; {@code seq} is the last record the sink stored (not signed: the checkpoint
   * is what verify uses), {@code checkpoint} the last one stored since start, exactly as the sink holds it.
   */
  JsonObject document() {
    JsonArray streams = new JsonArray();
    for (StreamHead h : pipeline.heads()) {
      streams.add(new JsonObject().put("sink", h.sink()).put("stream", h.stream()).put("seq", h.seq())
          .put("checkpoint", h.checkpoint() == null ? null : new JsonObject(h.checkpoint())));
    }
    return new JsonObject().put("instance", pipeline.instance()).put("time", Instant.now().toString())
        .put("key_ids", new JsonArray(pipeline.keyIds())).put("streams", streams);
  }
}
