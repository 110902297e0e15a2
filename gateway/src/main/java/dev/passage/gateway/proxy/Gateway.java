package dev.passage.gateway.proxy;

import dev.passage.audit.AuditSpool;
import dev.passage.capture.BodyTee;
import dev.passage.capture.SkipReason;
import dev.passage.gateway.metrics.GatewayMetrics;
import dev.passage.gateway.metrics.MetricNames;
import dev.passage.gateway.metrics.ReadinessCheck;
import dev.passage.gateway.metrics.RouteMeters;
import dev.passage.gateway.config.AuditRecordBound;
import dev.passage.gateway.config.Durations;
import dev.passage.gateway.config.PassageConfig;
import dev.passage.gateway.config.RouteConfig;
import dev.passage.gateway.edge.EdgeLimits;
import dev.passage.gateway.edge.TrustedProxies;
import dev.passage.gateway.routing.RouteRule;
import dev.passage.gateway.routing.RouteTable;
import dev.passage.gateway.config.ServerConfig;
import dev.passage.gateway.edge.FrontDoorHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine: the proxy listener on Netty with its front door, the routes and the audit trail. It
 * knows nothing of the admin listener, which {@link dev.passage.gateway.Passage} starts beside it
 * (on the small Vert.x instance this class also owns) from {@link #readinessChecks},
 * {@link #metrics} and {@link #memoryParts}. Lifecycle: a validated config goes in, {@link #start}
 * binds, {@link #close} stops (also after a partial start).
 */
public final class Gateway {

  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final PassageConfig config;
  private final Vertx vertx;
  private final EventLoopGroup loops;
  private final boolean epoll;
  private final List<ProxyRoute> routes = new ArrayList<>();
  private Channel server;
  private int boundPort = -1;
  private AuditTrail trail;
  /** Bytes the codec allows beyond the front door's limits, for lines the canonical head adds. */
  private static final int CANONICAL_SLACK = 1024;

  private final GatewayMetrics metrics = new GatewayMetrics();
  private final AtomicInteger openConnections = new AtomicInteger();
  private final ChannelGroup clients;
  private final RouteMeters unroutedMeters = metrics.route(GatewayMetrics.NO_ROUTE);

  private Gateway(PassageConfig config, Vertx vertx) {
    this.config = config;
    this.vertx = vertx;
    // One event loop per CPU the JVM may use: more loops than CPUs only adds context switches.
    int cpus = Runtime.getRuntime().availableProcessors();
    this.epoll = Epoll.isAvailable();
    ThreadFactory threads = new DefaultThreadFactory("passage-loop", false);
    this.loops = new MultiThreadIoEventLoopGroup(cpus, threads,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    this.clients = new DefaultChannelGroup("passage-clients", loops.next());
  }

  /** Builds and binds; the future fails (after cleaning up) when a listener cannot bind. */
  public static Future<Gateway> start(PassageConfig config) {
    // Vert.x serves only the admin listener now: one event loop is plenty.
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    Gateway gateway = new Gateway(config, vertx);
    return gateway.bind().map(gateway).recover(failure -> gateway.close().transform(v -> Future.failedFuture(failure)));
  }

  private Future<Void> bind() {
    int maxHeader = config.server().maxHeaderBytes();
    try {
      trail = AuditTrail.create(config.audit(), AuditRecordBound.bytes(config));
    } catch (java.io.IOException e) {
      return Future.failedFuture(new IllegalStateException("cannot open audit sink: " + e.getMessage(), e));
    }
    Class<? extends Channel> clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    RouteTable.Builder<ProxyRoute> table = RouteTable.builder();
    for (RouteConfig rc : config.routes()) {
      ProxyRoute route = new ProxyRoute(rc, maxHeader, trail, metrics, TrustedProxies.parse(config.server().trustedProxies()),
          clientType);
      routes.add(route);
      table.add(new RouteRule(rc.match().host(), rc.match().pathPrefix(), new HashSet<>(rc.match().methods())), route);
    }
    EdgeLimits limits = limits(config.server());
    GatewayHandler handler = new GatewayHandler(table.build(), this::ended, trail, limits.relayExpectContinue());
    int maxConnections = config.server().maxConnections();
    long idleNanos = Math.max(1_000_000L, Durations.parse(config.server().idleTimeout()).toNanos());
    // The front door enforces the real limits before the codec parses anything; the codec's own are
    // set above them (room for the Host and Connection lines the canonical head may add).
    HttpDecoderConfig decoder = new HttpDecoderConfig()
        .setMaxInitialLineLength(config.server().maxInitialLineBytes() + CANONICAL_SLACK)
        .setMaxHeaderSize(maxHeader + CANONICAL_SLACK)
        // Request bodies in pieces of up to one socket read, as response bodies (UpstreamGroup).
        .setMaxChunkSize(UpstreamGroup.BODY_CHUNK_BYTES);
    ServerBootstrap bootstrap = new ServerBootstrap().group(loops)
        .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (openConnections.incrementAndGet() > maxConnections) {
              openConnections.decrementAndGet();
              metrics.connectionRefused();
              ch.close();
              return;
            }
            metrics.connectionOpened();
            ch.closeFuture().addListener(f -> {
              openConnections.decrementAndGet();
              metrics.connectionClosed();
            });
            clients.add(ch);
            FrontDoorHandler frontDoor = new FrontDoorHandler(limits);
            // No compression either way: compressed bodies pass through as they are.
            ch.pipeline()
                .addLast(FrontDoorHandler.NAME, frontDoor)
                .addLast(ClientConnection.CODEC, new HttpServerCodec(decoder))
                .addLast(ClientConnection.NAME, new ClientConnection(handler, frontDoor, idleNanos));
          }
        });
    registerAuditGauges();
    Promise<Void> bound = Promise.promise();
    bootstrap.bind(host(config.listen()), port(config.listen())).addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        bound.fail(f.cause());
        return;
      }
      server = f.channel();
      boundPort = ((InetSocketAddress) server.localAddress()).getPort();
      log.info("passage listening on {}:{} ({} transport)", host(config.listen()), boundPort,
          epoll ? "native epoll" : "NIO");
      bound.complete();
    });
    return bound.future();
  }

  static EdgeLimits limits(ServerConfig server) {
    return new EdgeLimits(server.maxInitialLineBytes(), server.maxHeaderBytes(), server.maxHeaderCount(),
        EdgeLimits.DEFAULT_MAX_CHUNK_LINE_BYTES, server.maxRequestsPerConnection(),
        Durations.parse(server.headerTimeout()), Durations.parse(server.bodyTimeout()),
        server.encodedSlashes().equals("reject"), server.expectContinue().equals("upstream"));
  }

  /** What readiness reports for the engine: the listener, the audit sinks, room in the audit queue. */
  public List<ReadinessCheck> readinessChecks() {
    List<ReadinessCheck> checks = new ArrayList<>();
    checks.add(ReadinessCheck.of("proxy_listener", () -> server != null && server.isActive(),
        () -> server != null && server.isActive() ? "listening on " + config.listen() : "not bound"));
    if (trail != null) {
      checks.add(ReadinessCheck.of("audit_sinks", trail.pipeline::isAccepting,
          () -> trail.pipeline.isAccepting() ? "accepting" : "not accepting records (closed or failing)"));
      checks.add(ReadinessCheck.of("audit_queue", trail::hasRoom,
          () -> trail.hasRoom() ? "room for new exchanges"
              : "saturated: " + trail.pipeline.queued() + " records waiting, new requests wait up to audit.admission_timeout"));
      AuditSpool spool = trail.pipeline.spool();
      if (spool != null) {
        // Under fail_open a refusing spool loses records but takes traffic: ready, and the detail says so.
        checks.add(ReadinessCheck.of("audit_spool", () -> !trail.pipeline.refusesExchanges(),
            () -> spool.problem() == null ? spool.bytes() + " of " + spool.maxBytes() + " bytes in " + spool.segments() + " segments"
                : (trail.pipeline.refusesExchanges() ? "refusing new exchanges (503): " : "losing records (fail_open): ")
                    + spool.problem()));
        dev.passage.gateway.metrics.AuditIntegrityMeters.readiness(trail.pipeline,
            config.audit().checkpointFailureTimeout()).ifPresent(checks::add);
      }
    }
    return checks;
  }

  /** The engine's meters (the admin listener serves them). */
  public GatewayMetrics metrics() {
    return metrics;
  }

  /** Passage's own memory holders for /debug/memory, all inside the heap counted there. */
  public Map<String, Long> memoryParts() {
    Map<String, Long> parts = new LinkedHashMap<>();
    if (trail != null) {
      parts.put("capture_budget_in_use", trail.budget.inUse());
      parts.put("capture_budget_limit", trail.budget.limit());
      parts.put("audit_queue_records", (long) trail.pipeline.queued());
    }
    return parts;
  }

  private void registerAuditGauges() {
    if (trail == null) {
      return;
    }
    metrics.counter(MetricNames.AUDIT_RECORDS_WRITTEN, "audit records accepted by every sink",
        trail.pipeline, p -> p.written());
    metrics.counter(MetricNames.AUDIT_RECORDS_DROPPED, "audit records lost (drop policy or failing sink)",
        trail.pipeline, p -> p.dropped());
    metrics.counter(MetricNames.AUDIT_SINK_ERRORS, "failed attempts to write a batch to a sink (retried, not dropped)",
        trail.pipeline, p -> p.sinkErrors());
    metrics.gauge(MetricNames.AUDIT_QUEUE_RECORDS, "audit records waiting for the writer",
        trail.pipeline, p -> p.queued());
    metrics.gauge(MetricNames.AUDIT_QUEUE_BYTES, "heap held by audit records waiting for the writer",
        trail.pipeline, p -> p.queuedBytes());
    long queueLimit = config.audit().queueBytes();
    metrics.gauge(MetricNames.AUDIT_QUEUE_LIMIT_BYTES, "audit.queue_bytes", trail.pipeline, p -> queueLimit);
    metrics.counter(MetricNames.AUDIT_GENERATIONS_DELETED, "rotated audit files deleted by max_files retention",
        trail, t -> t.deletedGenerations());
    metrics.gauge(MetricNames.AUDIT_ROTATIONS_PENDING, "rotated audit files waiting to be compressed",
        trail, t -> t.pendingRotations());
    metrics.counter(MetricNames.AUDIT_ROTATIONS_DEFERRED, "rotations put off because the compressor lagged",
        trail, t -> t.deferredRotations());
    metrics.counter(MetricNames.AUDIT_COMPRESSION_ERRORS, "failed attempts to compress a rotated audit file (retried)",
        trail, t -> t.compressionErrors());
    metrics.gauge(MetricNames.AUDIT_KAFKA_UNACKNOWLEDGED, "audit records sent to Kafka and not yet acknowledged by the broker",
        trail, t -> t.kafkaUnacknowledged());
    metrics.counter(MetricNames.AUDIT_KAFKA_SEND_FAILURES, "Kafka sends of audit records that failed (each is re-sent)",
        trail, t -> t.kafkaFailedSends());
    metrics.counter(MetricNames.AUDIT_KAFKA_REJECTED,
        "audit records refused by Kafka as too large, set aside in the rejected file with a stand-in sent instead",
        trail, t -> t.kafkaRejectedRecords());
    registerSpoolGauges();
    metrics.gauge(MetricNames.CAPTURE_BUDGET_IN_USE, "body capture memory reserved now", trail.budget, b -> b.inUse());
    metrics.gauge(MetricNames.CAPTURE_BUDGET_LIMIT, "body capture memory limit (audit.budget_bytes)",
        trail.budget, b -> b.limit());
    metrics.counter(MetricNames.CAPTURE_BUDGET_EXHAUSTED, "bodies not kept, or cut short, because the capture budget was full",
        trail.budget, b -> b.exhaustedCount());
  }

  private void registerSpoolGauges() {
    AuditSpool spool = trail.pipeline.spool();
    if (spool == null) {
      return;
    }
    metrics.gauge(MetricNames.AUDIT_SPOOL_BYTES, "segment bytes the audit spool holds on disk", spool, s -> s.bytes());
    metrics.gauge(MetricNames.AUDIT_SPOOL_UNACKNOWLEDGED_BYTES, "spooled bytes some sink has not acknowledged",
        spool, s -> s.unacknowledgedBytes());
    for (String sink : spool.sinkKeys()) {
      metrics.gauge(MetricNames.AUDIT_SPOOL_SINK_LAG, MetricNames.TAG_SINK, sink,
          "spooled bytes this sink has not acknowledged", spool, s -> s.lagBytes(sink));
    }
    metrics.gauge(MetricNames.AUDIT_SPOOL_LIMIT_BYTES, "audit.spool.max_bytes", spool, s -> s.maxBytes());
    metrics.gauge(MetricNames.AUDIT_SPOOL_SEGMENTS, "segment files in the audit spool", spool, s -> s.segments());
    // Reads one 16-byte frame header (page cache) per scrape: the age is not kept anywhere cheaper.
    metrics.gaugeSeconds(MetricNames.AUDIT_SPOOL_OLDEST_AGE, "age of the oldest record some sink has not acknowledged",
        spool, s -> s.oldestUnacknowledgedAgeMillis());
    metrics.counter(MetricNames.AUDIT_SPOOL_RECORDS, "audit records appended to the spool", spool, s -> s.appendedRecords());
    metrics.counter(MetricNames.AUDIT_SPOOL_REPLAYED, "spooled records of an earlier run delivered again after start",
        spool, s -> s.replayedRecords());
    metrics.counter(MetricNames.AUDIT_SPOOL_LOST, "audit records lost because the spool was full or failing (fail_open)",
        spool, s -> s.lostRecords());
    metrics.counter(MetricNames.AUDIT_SPOOL_ERRORS, "failed audit spool disk operations", spool, s -> s.diskErrors());
    metrics.counter(MetricNames.AUDIT_SPOOL_REFUSED, "exchanges refused because the audit spool refused records (fail_closed)",
        trail, t -> t.spoolRefusals());
    dev.passage.gateway.metrics.AuditIntegrityMeters.register(metrics, trail.pipeline);
  }

  private void ended(Exchange exchange) {
    RouteMeters meters = exchange.route == null ? unroutedMeters : exchange.route.meters;
    // A tunnel or an event stream lasts as long as its user wants: timing it would swamp latency.
    boolean longLived = exchange.sse || exchange.tunnel;
    meters.exchange(exchange.request.method().name(), exchange.status, longLived ? -1 : exchange.durationNanos(),
        exchange.bytesIn, exchange.bytesOut);
    if (exchange.sse) {
      metrics.sseEnded();
    }
    if (exchange.tunnel) {
      metrics.webSocketClosed();
    }
    if (exchange.refusal != null) {
      metrics.rejected(exchange.refusal);
      // The client's fault: visible when asked for, never a page to an operator.
      log.atDebug().addKeyValue("request_id", exchange.id).addKeyValue("reason", exchange.refusal.wireName())
          .addKeyValue("status", exchange.status).addKeyValue("client", exchange.clientIp).log("request refused");
    }
    Exchange.Outcome outcome = exchange.outcome();
    if ((outcome == Exchange.Outcome.UPSTREAM_ERROR || outcome == Exchange.Outcome.TIMEOUT)
        && exchange.responseNanos == 0) {
      meters.gatewayError(exchange.status);
      log.atWarn().addKeyValue("request_id", exchange.id).addKeyValue("route", exchange.route == null ? null : exchange.route.name)
          .addKeyValue("target", exchange.target == null ? null : exchange.target.url())
          .addKeyValue("status", exchange.status)
          .log("upstream {}: {}", outcome == Exchange.Outcome.TIMEOUT ? "timed out" : "failed", exchange.error());
    }
    countSkipped(exchange.requestTee);
    countSkipped(exchange.responseTee);
    if (exchange.audit != null) {
      trail.record(exchange, exchange.audit);
    }
  }

  private void countSkipped(BodyTee tee) {
    if (tee == null) {
      return;
    }
    if (tee.skipReason() != null) {
      metrics.skipped(tee.skipReason(), tee.bytes());
    } else if (tee.truncatedByBudget()) {
      // Cut short because the budget (or the route's share) refused to grow its kept prefix.
      metrics.skipped(SkipReason.BUDGET, tee.bytes() - tee.keptBytes());
    } else {
      metrics.truncated(tee.bytes() - tee.keptBytes());
    }
  }

  /** The bound proxy port (useful when the config says port 0). */
  public int port() {
    return boundPort;
  }

  /** The audit pipeline, or null when no sink is configured. */
  public dev.passage.audit.AuditPipeline auditPipeline() {
    return trail == null ? null : trail.pipeline;
  }

  /** The global capture budget, or null when no sink is configured. */
  public dev.passage.capture.CaptureBudget captureBudget() {
    return trail == null ? null : trail.budget;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Future<Void> close() {
    return close(Future.succeededFuture());
  }

  /**
   * Stops gracefully: the listener closes, idle connections close, busy ones close after their
   * current response, within server.shutdown_grace; then the rest is closed, every record of an
   * exchange that ended is written, and Vert.x (the admin listener's, closed {@code alongside})
   * and the event loops stop.
   */
  public Future<Void> close(Future<Void> alongside) {
    long graceMs = Durations.parse(config.server().shutdownGrace()).toMillis();
    Promise<Void> drained = Promise.promise();
    if (server != null) {
      server.close().addListener(f -> {
        for (Channel ch : clients) {
          ch.eventLoop().execute(() -> {
            ClientConnection c = (ClientConnection) ch.pipeline().get(ClientConnection.NAME);
            if (c != null) {
              c.drain();
            }
          });
        }
        awaitDrained(System.nanoTime() + graceMs * 1_000_000L, drained);
      });
    } else {
      drained.complete();
    }
    return Future.join(alongside, drained.future())
        .transform(ar -> {
          clients.close();
          routes.forEach(r -> r.upstream.close());
          return vertx.executeBlocking(() -> {
            // Every record of an exchange that ended is written before the process may exit.
            if (trail != null) {
              trail.close(Durations.parse(config.audit().drainTimeout()));
            }
            loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            return null;
          });
        })
        .transform(ar -> vertx.close())
        .andThen(ar -> metrics.close());
  }

  private void awaitDrained(long deadlineNanos, Promise<Void> drained) {
    if (clients.isEmpty() || System.nanoTime() - deadlineNanos >= 0) {
      drained.tryComplete();
      return;
    }
    loops.schedule(() -> awaitDrained(deadlineNanos, drained), 20, TimeUnit.MILLISECONDS);
  }

  public static String host(String hostPort) {
    String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  public static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }
}
