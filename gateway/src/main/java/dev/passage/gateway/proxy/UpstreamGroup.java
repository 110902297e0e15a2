package dev.passage.gateway.proxy;

import dev.passage.gateway.metrics.RouteMeters;
import dev.passage.gateway.config.Durations;
import dev.passage.gateway.config.UpstreamConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The targets of one route and the pooled HTTP/1.1 client that reaches them. Opening a request picks
 * a target; a refused connection skips that target for the back-off period and moves on to the next
 * one, which is safe for any method because no byte of the request was sent.
 */
final class UpstreamGroup {

  /** The name of Vert.x's HTTP/1.x client codec in the connection pipeline (HttpChannelConnector). */
  private static final String VERTX_CLIENT_CODEC = "codec";

  private final HttpClient client;
  private final HttpClient tunnelClient;
  private final Balancer balancer;
  private final long connectTimeoutMs;
  private final long responseTimeoutMs;
  private final long backoffNanos;
  private final int maxConnections;
  private final RouteMeters meters;

  UpstreamGroup(Vertx vertx, UpstreamConfig config, int maxResponseHeaderBytes, RouteMeters meters) {
    this.meters = meters;
    List<Target> targets = new ArrayList<>();
    config.targets().forEach(url -> targets.add(new Target(url)));
    for (Target t : targets) {
      meters.target(t.url(), config.maxConnections(), t, Target::inFlight);
    }
    this.balancer = new Balancer(targets,
        config.balance().equals("least_requests") ? Balancer.Strategy.LEAST_REQUESTS : Balancer.Strategy.ROUND_ROBIN);
    this.connectTimeoutMs = Durations.parse(config.connectTimeout()).toMillis();
    this.responseTimeoutMs = Durations.parse(config.responseTimeout()).toMillis();
    this.backoffNanos = Durations.parse(config.failureBackoff()).toNanos();
    this.maxConnections = config.maxConnections();
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setKeepAliveTimeout((int) Math.max(1, Durations.parse(config.idleTimeout()).toSeconds()))
        .setConnectTimeout((int) connectTimeoutMs)
        // Bodies pass through byte for byte: never decompress, never ask for compression.
        .setDecompressionSupported(false)
        .setMaxHeaderSize(maxResponseHeaderBytes)
        // Vert.x cuts response bodies into 8 KiB pieces by default, each a separate copy and event
        // on the way through; a socket read is up to 64 KiB, so let a piece be one read.
        .setMaxChunkSize(BODY_CHUNK_BYTES)
        .setMaxInitialLineLength(8192);
    // vertx-http-proxy's client defaults to 5 connections per target and an unbounded wait queue
    // (shared/ENGINE.md): both bounds are explicit here, and a full queue answers 503.
    PoolOptions pool = new PoolOptions()
        .setHttp1MaxSize(config.maxConnections())
        .setMaxWaitQueueSize(config.maxPending());
    this.client = client(vertx, options, pool);
    // A tunnel keeps its connection for its whole life: tunnels get a pool of their own, so open
    // WebSockets can never take the connections plain requests need, and a full one answers 503
    // at once instead of queueing until the connect timeout.
    this.tunnelClient = client(vertx, options, new PoolOptions().setHttp1MaxSize(config.maxWebsockets())
        .setMaxWaitQueueSize(0));
  }

  /** The largest body piece the client hands on at once (Netty's largest adaptive read). */
  static final int BODY_CHUNK_BYTES = 64 * 1024;

  private static HttpClient client(Vertx vertx, HttpClientOptions options, PoolOptions pool) {
    return vertx.httpClientBuilder().with(options).with(pool)
        .withConnectHandler(connection -> FrontDoor.channel(connection).pipeline()
            .addAfter(VERTX_CLIENT_CODEC, UpstreamResponseFraming.NAME, new UpstreamResponseFraming()))
        .build();
  }

  HttpClient client() {
    return client;
  }

  long responseTimeoutMs() {
    return responseTimeoutMs;
  }

  int maxConnections() {
    return maxConnections;
  }

  List<Target> targets() {
    return balancer.targets();
  }

  /** Opens a request to a chosen target, moving to the next target when one refuses. */
  Future<HttpClientRequest> open(Exchange exchange, HttpMethod method, String uri) {
    Promise<HttpClientRequest> promise = Promise.promise();
    attempt(client, exchange, method, uri, null, promise);
    return promise.future();
  }

  /** Like {@link #open}, on the tunnel pool (upstream.max_websockets per target). */
  Future<HttpClientRequest> openTunnel(Exchange exchange, String uri) {
    Promise<HttpClientRequest> promise = Promise.promise();
    attempt(tunnelClient, exchange, HttpMethod.GET, uri, null, promise);
    return promise.future();
  }

  private void attempt(HttpClient client, Exchange exchange, HttpMethod method, String uri, BitSet tried,
      Promise<HttpClientRequest> promise) {
    int index = balancer.pick(tried);
    if (index < 0) {
      promise.fail(new java.net.ConnectException("every target refused the connection"));
      return;
    }
    Target target = balancer.get(index);
    exchange.targetChosen(target);
    RequestOptions options = new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(target.port(), target.host()))
        .setHost(target.host())
        .setPort(target.port())
        .setSsl(target.ssl())
        .setMethod(method)
        .setURI(uri)
        .setConnectTimeout(connectTimeoutMs);
    long asked = System.nanoTime();
    client.request(options).onComplete(ar -> {
      if (ar.succeeded()) {
        meters.connected(System.nanoTime() - asked);
        promise.complete(ar.result());
        return;
      }
      // Only a failed TCP connect (refused, or Netty's connect timeout, also a ConnectException); a
      // timeout waiting in the pool for a busy target's connection is not the target's failure.
      if (Outcomes.isConnectFailure(ar.cause())) {
        meters.connectError(target.url());
      }
      if (Outcomes.isConnectFailure(ar.cause()) && !exchange.ended()) {
        target.skipFor(backoffNanos);
        BitSet now = tried == null ? new BitSet(balancer.size()) : tried;
        now.set(index);
        attempt(client, exchange, method, uri, now, promise);
      } else {
        promise.fail(ar.cause());
      }
    });
  }

  Future<Void> close() {
    return Future.join(client.close(), tunnelClient.close()).mapEmpty();
  }
}
