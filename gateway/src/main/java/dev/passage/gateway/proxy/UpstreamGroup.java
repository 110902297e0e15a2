package dev.passage.gateway.proxy;

import dev.passage.gateway.config.Durations;
import dev.passage.gateway.config.UpstreamConfig;
import dev.passage.gateway.metrics.RouteMeters;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * The targets of one route and the connections that reach them. Connections live on the event loop
 * of the client connections they serve, so an exchange never crosses threads: each loop keeps its
 * own idle connections per target, and a target's bound ({@code max_connections}) counts all of
 * them. A request that finds the bound reached waits (at most {@code max_pending} requests, each at
 * most {@code connect_timeout}) for a connection to come free. Opening a request picks a target; a
 * refused connection skips that target for the back-off period and moves on to the next one, which
 * is safe for any method because no byte of the request was sent.
 */
final class UpstreamGroup {

  /** Told on the exchange's event loop when a connection is ready or none can be had. */
  interface Acquired {
    void connected(UpstreamConnection connection, boolean reused);

    void failed(Throwable failure);
  }

  /** The largest body piece the codecs hand on at once (Netty's largest adaptive read). */
  static final int BODY_CHUNK_BYTES = 64 * 1024;

  private final Balancer balancer;
  private final long connectTimeoutMs;
  private final long responseTimeoutMs;
  private final long idleTimeoutMs;
  private final long backoffNanos;
  private final int maxConnections;
  private final int maxPending;
  private final int maxTunnels;
  private final int maxResponseHeaderBytes;
  private final RouteMeters meters;
  private final Class<? extends Channel> channelType;
  private final AtomicInteger[] open;
  private final AtomicInteger[] tunnels;
  private final List<ConcurrentLinkedQueue<Waiter>> waiters = new ArrayList<>();
  private final AtomicInteger pending = new AtomicInteger();
  /** Idle connections per event loop, per target; each deque is touched only by its loop. */
  private final Map<EventLoop, ArrayDeque<UpstreamConnection>[]> idle = new ConcurrentHashMap<>();
  private final SslContext ssl;

  UpstreamGroup(UpstreamConfig config, int maxResponseHeaderBytes, RouteMeters meters,
      Class<? extends Channel> channelType) {
    this.meters = meters;
    this.channelType = channelType;
    this.maxResponseHeaderBytes = maxResponseHeaderBytes;
    List<Target> targets = new ArrayList<>();
    config.targets().forEach(url -> targets.add(new Target(url)));
    for (Target t : targets) {
      meters.target(t.url(), config.maxConnections(), t, Target::inFlight);
    }
    this.balancer = new Balancer(targets,
        config.balance().equals("least_requests") ? Balancer.Strategy.LEAST_REQUESTS : Balancer.Strategy.ROUND_ROBIN);
    this.connectTimeoutMs = Durations.parse(config.connectTimeout()).toMillis();
    this.responseTimeoutMs = Durations.parse(config.responseTimeout()).toMillis();
    this.idleTimeoutMs = Math.max(1, Durations.parse(config.idleTimeout()).toMillis());
    this.backoffNanos = Durations.parse(config.failureBackoff()).toNanos();
    this.maxConnections = config.maxConnections();
    this.maxPending = config.maxPending();
    this.maxTunnels = config.maxWebsockets();
    this.open = new AtomicInteger[targets.size()];
    this.tunnels = new AtomicInteger[targets.size()];
    for (int i = 0; i < targets.size(); i++) {
      open[i] = new AtomicInteger();
      tunnels[i] = new AtomicInteger();
      waiters.add(new ConcurrentLinkedQueue<>());
    }
    for (int i = 0; i < targets.size(); i++) {
      int index = i;
      meters.targetPool(targets.get(i).url(), this, g -> g.open[index].get(), g -> g.tunnels[index].get());
    }
    meters.pending(maxPending, pending, AtomicInteger::get);
    SslContext context = null;
    if (targets.stream().anyMatch(Target::ssl)) {
      try {
        context = SslContextBuilder.forClient().build();
      } catch (SSLException e) {
        throw new IllegalStateException("cannot set up TLS to upstreams: " + e.getMessage(), e);
      }
    }
    this.ssl = context;
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

  /** A connection for a plain exchange: an idle one of this loop (unless {@code fresh}), or a new one. */
  void acquire(Exchange exchange, EventLoop loop, boolean fresh, Acquired then) {
    attempt(exchange, loop, fresh, false, null, then);
  }

  /**
   * A connection of its own for a WebSocket tunnel, never from or back to the pool, so open
   * tunnels can never take the connections plain requests need; past {@code max_websockets} per
   * target the answer is 503 at once.
   */
  void acquireTunnel(Exchange exchange, EventLoop loop, Acquired then) {
    attempt(exchange, loop, true, true, null, then);
  }

  private void attempt(Exchange exchange, EventLoop loop, boolean fresh, boolean tunnel, BitSet tried, Acquired then) {
    int index = balancer.pick(tried);
    if (index < 0) {
      then.failed(new ConnectException("every target refused the connection"));
      return;
    }
    exchange.targetChosen(balancer.get(index));
    if (tunnel) {
      if (tunnels[index].incrementAndGet() > maxTunnels) {
        tunnels[index].decrementAndGet();
        then.failed(new Outcomes.PoolBusy("too many WebSocket tunnels to this target"));
        return;
      }
      connect(exchange, loop, index, true, tried, then);
      return;
    }
    if (!fresh) {
      ArrayDeque<UpstreamConnection> mine = idleOf(loop)[index];
      UpstreamConnection c;
      while ((c = mine.pollLast()) != null) {
        if (c.isActive()) {
          c.autoRead(true);
          then.connected(c, true);
          return;
        }
      }
    }
    if (open[index].incrementAndGet() <= maxConnections) {
      connect(exchange, loop, index, false, tried, then);
      return;
    }
    open[index].decrementAndGet();
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      then.failed(new Outcomes.PoolBusy("too many requests waiting for an upstream connection"));
      return;
    }
    Waiter waiter = new Waiter(exchange, loop, then);
    waiters.get(index).add(waiter);
    waiter.timer = loop.schedule(() -> {
      if (waiters.get(index).remove(waiter)) {
        pending.decrementAndGet();
        then.failed(new Outcomes.PoolWaitTimeout(connectTimeoutMs));
      }
    }, connectTimeoutMs, TimeUnit.MILLISECONDS);
    // A connection may have closed between the count and the queueing.
    wake(index);
  }

  private void connect(Exchange exchange, EventLoop loop, int index, boolean tunnel, BitSet tried, Acquired then) {
    Target target = balancer.get(index);
    UpstreamConnection connection = new UpstreamConnection(this, index, target, tunnel);
    Bootstrap bootstrap = new Bootstrap().group(loop).channel(channelType)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (ssl != null && target.ssl()) {
              ch.pipeline().addLast(ssl.newHandler(ch.alloc(), target.host(), target.port()));
            }
            // Bodies pass through byte for byte: the codec frames them, nothing decompresses.
            ch.pipeline().addLast(UpstreamConnection.CODEC, new HttpClientCodec(new HttpDecoderConfig()
                    .setMaxInitialLineLength(8192)
                    .setMaxHeaderSize(maxResponseHeaderBytes)
                    .setMaxChunkSize(BODY_CHUNK_BYTES), false, false))
                .addLast(connection);
          }
        });
    long asked = System.nanoTime();
    bootstrap.connect(target.host(), target.port()).addListener((ChannelFuture done) -> {
      if (done.isSuccess()) {
        meters.connected(System.nanoTime() - asked);
        then.connected(connection, false);
        return;
      }
      if (tunnel) {
        tunnels[index].decrementAndGet();
      } else {
        open[index].decrementAndGet();
        wake(index);
      }
      Throwable cause = done.cause();
      if (Outcomes.isConnectFailure(cause)) {
        meters.connectError(target.url());
        if (!exchange.ended()) {
          target.skipFor(backoffNanos);
          BitSet now = tried == null ? new BitSet(balancer.size()) : tried;
          now.set(index);
          attempt(exchange, loop, true, tunnel, now, then);
          return;
        }
      }
      then.failed(cause);
    });
  }

  /**
   * An exchange is done with a healthy connection. A request waiting on the same loop takes it at
   * once; one waiting on another loop gets a connection of its own (this one closes to make room);
   * otherwise it waits idle, at most {@code idle_timeout}.
   */
  void release(UpstreamConnection connection) {
    if (connection.forTunnel() || !connection.isActive()) {
      connection.close();
      return;
    }
    int index = connection.targetIndex();
    EventLoop loop = connection.channel().eventLoop();
    ConcurrentLinkedQueue<Waiter> queue = waiters.get(index);
    if (!queue.isEmpty()) {
      for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        if (w.loop == loop && queue.remove(w)) {
          pending.decrementAndGet();
          w.timer.cancel(false);
          if (!w.exchange.ended()) {
            w.then.connected(connection, true);
            return;
          }
        }
      }
      if (!queue.isEmpty()) {
        connection.close();
        return;
      }
    }
    connection.idleSinceNanos = System.nanoTime();
    idleOf(loop)[index].addLast(connection);
  }

  /** A connection closed (on its loop): its place in the bound goes to a waiting request, if any. */
  void closed(UpstreamConnection connection) {
    int index = connection.targetIndex();
    if (connection.forTunnel()) {
      tunnels[index].decrementAndGet();
      return;
    }
    idleOf(connection.channel().eventLoop())[index].remove(connection);
    open[index].decrementAndGet();
    wake(index);
  }

  private void wake(int index) {
    ConcurrentLinkedQueue<Waiter> queue = waiters.get(index);
    while (!queue.isEmpty() && open[index].get() < maxConnections) {
      if (open[index].incrementAndGet() > maxConnections) {
        open[index].decrementAndGet();
        return;
      }
      Waiter w = queue.poll();
      if (w == null) {
        open[index].decrementAndGet();
        return;
      }
      pending.decrementAndGet();
      w.timer.cancel(false);
      w.loop.execute(() -> {
        if (w.exchange.ended()) {
          open[index].decrementAndGet();
          wake(index);
        } else {
          connect(w.exchange, w.loop, index, false, null, w.then);
        }
      });
    }
  }

  @SuppressWarnings("unchecked")
  private ArrayDeque<UpstreamConnection>[] idleOf(EventLoop loop) {
    ArrayDeque<UpstreamConnection>[] pools = idle.get(loop);
    if (pools == null) {
      pools = new ArrayDeque[open.length];
      for (int i = 0; i < pools.length; i++) {
        pools[i] = new ArrayDeque<>();
      }
      idle.put(loop, pools);
      // One sweep a second per loop closes what idled past idle_timeout: a timer per released
      // connection would cost a schedule and a cancel on every exchange.
      ArrayDeque<UpstreamConnection>[] swept = pools;
      long period = Math.max(10, Math.min(1000, idleTimeoutMs / 2));
      loop.scheduleAtFixedRate(() -> closeIdle(swept), period, period, TimeUnit.MILLISECONDS);
    }
    return pools;
  }

  /** Closes the connections idle for idle_timeout; the oldest are first in each deque (taken from the end). */
  private void closeIdle(ArrayDeque<UpstreamConnection>[] pools) {
    long now = System.nanoTime();
    long limit = idleTimeoutMs * 1_000_000L;
    for (ArrayDeque<UpstreamConnection> pool : pools) {
      UpstreamConnection oldest;
      while ((oldest = pool.peekFirst()) != null && now - oldest.idleSinceNanos >= limit) {
        pool.pollFirst();
        oldest.close();
      }
    }
  }

  /** Closes the idle connections (each on its own loop); busy ones close with their exchanges. */
  void close() {
    idle.forEach((loop, pools) -> loop.execute(() -> {
      for (ArrayDeque<UpstreamConnection> pool : pools) {
        for (UpstreamConnection c : new ArrayList<>(pool)) {
          c.close();
        }
      }
    }));
  }

  private static final class Waiter {
    final Exchange exchange;
    final EventLoop loop;
    final Acquired then;
    ScheduledFuture<?> timer;

    Waiter(Exchange exchange, EventLoop loop, Acquired then) {
      this.exchange = exchange;
      this.loop = loop;
      this.then = then;
    }
  }
}
