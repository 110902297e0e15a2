package dev.passage.gateway.proxy;

import dev.passage.gateway.metrics.GatewayMetrics;
import dev.passage.gateway.metrics.RouteMeters;
import dev.passage.gateway.config.RouteConfig;
import dev.passage.gateway.edge.TrustedProxies;
import io.netty.channel.Channel;

/** One configured route at run time: where it forwards, how it rewrites, what it audits, its meters. */
final class ProxyRoute {

  final String name;
  final boolean stripPrefix;
  final String pathPrefix;
  final String hostHeader;
  final UpstreamGroup upstream;
  /** This route's audit policy, or null when the gateway writes no records. */
  final RouteAudit audit;
  final GatewayMetrics metrics;
  final RouteMeters meters;
  /** Largest request body accepted, or -1 for no limit. */
  final long maxRequestBodyBytes;
  final TrustedProxies trustedProxies;

  ProxyRoute(RouteConfig config, int maxResponseHeaderBytes, AuditTrail trail, GatewayMetrics metrics,
      TrustedProxies trustedProxies, Class<? extends Channel> channelType) {
    this.metrics = metrics;
    this.maxRequestBodyBytes = config.maxRequestBodyBytes();
    this.trustedProxies = trustedProxies;
    this.meters = metrics.route(config.name());
    this.audit = trail == null ? null : new RouteAudit(config.audit(), trail.redact, trail.share(config.audit()));
    if (audit != null) {
      meters.captureShare(audit.budget);
    }
    this.name = config.name();
    this.stripPrefix = config.stripPrefix();
    this.pathPrefix = config.match().pathPrefix();
    this.hostHeader = config.upstream().hostHeader();
    this.upstream = new UpstreamGroup(config.upstream(), maxResponseHeaderBytes, meters, channelType);
  }

  /** The URI to send upstream: the prefix removed when strip_prefix is on, never an empty path. */
  String upstreamUri(String uri) {
    if (!stripPrefix || pathPrefix.equals("/")) {
      return uri;
    }
    String prefix = pathPrefix.endsWith("/") ? pathPrefix.substring(0, pathPrefix.length() - 1) : pathPrefix;
    if (!uri.startsWith(prefix)) {
      return uri;
    }
    String rest = uri.substring(prefix.length());
    return rest.isEmpty() || rest.charAt(0) == '?' ? "/" + rest : rest;
  }
}
