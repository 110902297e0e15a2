package dev.passage.gateway.proxy;

import dev.passage.capture.BodyRenderer;
import dev.passage.capture.BodyTee;
import dev.passage.capture.CaptureBudget;
import dev.passage.capture.ContentPolicy;
import dev.passage.capture.Redaction;
import dev.passage.capture.RedactionRules;
import dev.passage.capture.SkipReason;
import dev.passage.gateway.config.RedactConfig;
import dev.passage.gateway.config.RouteAuditConfig;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What the audit trail keeps of one route's exchanges: the per-route capture and redaction policy. */
final class RouteAudit {

  /** The gateway's own answers are short JSON without secrets: always kept, up to this much. */
  static final int LOCAL_ANSWER_BYTES = 4096;

  final boolean enabled;
  final Redaction redaction;
  final BodyRenderer renderer;
  private final boolean requestBody;
  private final boolean responseBody;
  private final long maxBodyBytes;
  private final ContentPolicy policy;
  /** routes[].audit.digest: SHA-256 of every body byte (default), or counting only. */
  private final boolean digest;
  /** Where kept bytes are reserved: the route's share of the global budget ({@link AuditTrail#share}). */
  final CaptureBudget budget;

  RouteAudit(RouteAuditConfig config, RedactConfig global, CaptureBudget budget) {
    this.enabled = config.enabled();
    this.requestBody = config.requestBody();
    this.responseBody = config.responseBody();
    this.maxBodyBytes = config.maxBodyBytes();
    this.policy = config.keepContentTypes() == null ? ContentPolicy.defaults() : ContentPolicy.keeping(config.keepContentTypes());
    this.redaction = new Redaction(rules(global, config.redact()));
    this.renderer = new BodyRenderer(redaction.rules(), Math.max(maxBodyBytes, LOCAL_ANSWER_BYTES));
    this.budget = budget;
    this.digest = config.digest();
  }

  /** The policy for exchanges no route took: a record with sizes and digests, no body bytes. */
  static RouteAudit unrouted(RedactConfig global, CaptureBudget budget) {
    // It keeps no body bytes, so it needs no share of its own.
    return new RouteAudit(new RouteAuditConfig(true, false, false, 0L, null, null), global, budget);
  }

  BodyTee requestTee(HttpHeaders headers, boolean hasBody) {
    BodyTee tee = tee(requestBody, headers, hasBody);
    return digest ? tee : tee.withoutDigest();
  }

  BodyTee responseTee(HttpHeaders headers, boolean hasBody) {
    BodyTee tee = tee(responseBody, headers, hasBody);
    return digest ? tee : tee.withoutDigest();
  }

  /** A tee for an answer the gateway wrote itself: kept whatever the route keeps of upstream bodies. */
  BodyTee localAnswerTee(HttpHeaders headers) {
    return BodyTee.keeping(budget, LOCAL_ANSWER_BYTES, contentLength(headers), headers.get("content-type"),
        headers.get("content-encoding"));
  }

  static BodyTee websocketTee() {
    return BodyTee.skipping(SkipReason.WEBSOCKET, null, null);
  }

  private BodyTee tee(boolean keep, HttpHeaders headers, boolean hasBody) {
    String type = headers.get("content-type");
    String encoding = headers.get("content-encoding");
    if (!keep || maxBodyBytes == 0) {
      return BodyTee.skipping(SkipReason.DISABLED, type, encoding);
    }
    if (!hasBody) {
      // Nothing to keep and nothing skipped: an empty kept body, which reserves no budget. The
      // content policy would otherwise report a GET's missing content type as a skipped body.
      return BodyTee.keeping(budget, maxBodyBytes, 0, type, encoding);
    }
    SkipReason skip = policy.decide(type, headers.get("content-disposition"));
    if (skip != null) {
      return BodyTee.skipping(skip, type, encoding);
    }
    return BodyTee.keeping(budget, maxBodyBytes, contentLength(headers), type, encoding);
  }

  private static long contentLength(HttpHeaders headers) {
    String length = headers.get("content-length");
    if (length != null) {
      try {
        return Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }

  /** Built-in lists, then the global lists, then the route's: each can only add names. */
  private static RedactionRules rules(RedactConfig global, RedactConfig route) {
    return new RedactionRules(
        union(RedactionRules.DEFAULT_HEADERS, global.headers(), route.headers()),
        union(RedactionRules.DEFAULT_JSON_FIELDS, global.jsonFields(), route.jsonFields()),
        union(RedactionRules.DEFAULT_QUERY_PARAMS, global.queryParams(), route.queryParams()));
  }

  private static Set<String> union(List<String> builtIn, List<String> global, List<String> route) {
    Set<String> names = new HashSet<>(builtIn);
    if (global != null) {
      names.addAll(global);
    }
    if (route != null) {
      names.addAll(route);
    }
    return names;
  }
}
