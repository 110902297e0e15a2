package dev.passage.gateway.proxy;

import dev.passage.gateway.edge.Admission;
import dev.passage.gateway.edge.FrontDoorHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection behind the front door and Netty's HTTP codec. It serves the connection's
 * exchanges one at a time, in order: a pipelined request waits, with reading paused, until the
 * response before it has been written. Reading is paused for as many reasons as hold it (a busy
 * upstream, a pending connection, the audit's admission, a pipelined request); it resumes when the
 * last one lets go. Everything here runs on the connection's event loop.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {

  static final String NAME = "passageClient";
  /** The name of Netty's HTTP/1.1 server codec in the pipeline (removed when a tunnel opens). */
  static final String CODEC = "passageServerCodec";

  /** Reasons reading is paused; reading resumes when none is left. */
  static final int PAUSE_PIPELINED = 1;
  static final int PAUSE_UPSTREAM_FULL = 2;
  static final int PAUSE_ADMISSION = 4;
  static final int PAUSE_CONNECTING = 8;

  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
  private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  private final GatewayHandler dispatcher;
  private final FrontDoorHandler frontDoor;
  private ChannelHandlerContext ctx;
  private String remoteIp = "unknown";
  /** The exchange being served: its request is being read or its response written. */
  private Exchange current;
  private boolean requestRead;
  private boolean responseIssued;
  private boolean closeAfterResponse;
  /** Messages of pipelined requests, decoded before reading could be paused. */
  private final ArrayDeque<Object> held = new ArrayDeque<>(2);
  private int paused;
  private WebSocketTunnel tunnel;
  private boolean draining;

  /** server.idle_timeout: a connection that neither reads nor writes this long is closed. */
  private final long idleNanos;
  private long lastActivityNanos;
  private ScheduledFuture<?> idleTimer;

  ClientConnection(GatewayHandler dispatcher, FrontDoorHandler frontDoor, long idleNanos) {
    this.dispatcher = dispatcher;
    this.frontDoor = frontDoor;
    this.idleNanos = idleNanos;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    // One timer per connection, re-armed only when it fires: Netty's IdleStateHandler would put a
    // listener on every write instead.
    lastActivityNanos = System.nanoTime();
    idleTimer = ctx.executor().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress) {
      InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
      remoteIp = peer.getAddress() == null ? peer.getHostString() : peer.getAddress().getHostAddress();
    }
  }

  private void checkIdle() {
    long idle = System.nanoTime() - lastActivityNanos;
    if (idle >= idleNanos) {
      idleTimer = null;
      ctx.close();
    } else {
      idleTimer = ctx.executor().schedule(this::checkIdle, idleNanos - idle, TimeUnit.NANOSECONDS);
    }
  }

  /** Bytes moved on the connection (read, or written by the exchange or tunnel): it is not idle. */
  void touch() {
    lastActivityNanos = System.nanoTime();
  }

  String remoteIp() {
    return remoteIp;
  }

  Channel channel() {
    return ctx.channel();
  }

  /** Whether the client is gone: the channel closed, or a read on it failed (a reset). */
  boolean gone() {
    return !ctx.channel().isActive() || frontDoor.peerFailed();
  }

  ScheduledFuture<?> schedule(Runnable task, long millis) {
    return ctx.executor().schedule(task, millis, TimeUnit.MILLISECONDS);
  }

  void execute(Runnable task) {
    ctx.executor().execute(task);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (tunnel != null) {
      tunnel.fromClient(msg);
      return;
    }
    if ((current != null && requestRead) || !held.isEmpty()) {
      held.add(msg);
      pause(PAUSE_PIPELINED);
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    if (msg instanceof HttpRequest) {
      HttpRequest request = (HttpRequest) msg;
      requestRead = false;
      responseIssued = false;
      // The front door's canonical head says Connection: close when this is the connection's last request.
      closeAfterResponse = draining || !HttpUtil.isKeepAlive(request);
      Admission admission = frontDoor.nextAdmission();
      current = dispatcher.begin(this, request, admission);
    }
    if (msg instanceof HttpContent) {
      HttpContent content = (HttpContent) msg;
      boolean last = msg instanceof LastHttpContent;
      Exchange exchange = current;
      if (exchange != null && exchange.relay != null && !exchange.ended()) {
        exchange.relay.requestContent(content);
      } else {
        // Answered by the gateway itself (a refusal, OPTIONS *): the body is read and dropped.
        if (exchange != null) {
          exchange.bytesIn += content.content().readableBytes();
        }
        content.release();
      }
      if (last) {
        requestRead = true;
        if (responseIssued) {
          next();
        }
      }
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    lastActivityNanos = System.nanoTime();
    Exchange exchange = current;
    if (exchange != null && exchange.relay != null) {
      exchange.relay.clientReadComplete();
    }
    ctx.fireChannelReadComplete();
  }

  /** The client asked to continue: {@code 100 Continue} goes out now, ahead of the codec's state. */
  void writeContinue() {
    // Written below the codec: its response encoder counts every response it sees against the
    // request it answers, and a 1xx would put HEAD detection one request out of step.
    ctx.pipeline().context(CODEC).writeAndFlush(Unpooled.wrappedBuffer(CONTINUE));
  }

  /** Writes a response part (the codec encodes it); flushed by {@link #flush} or the last part. */
  void write(Object msg) {
    ctx.write(msg, ctx.voidPromise());
  }

  void flush() {
    lastActivityNanos = System.nanoTime();
    ctx.flush();
  }

  boolean isWritable() {
    return ctx.channel().isWritable();
  }

  /**
   * Writes the last part of the current exchange's response and flushes; {@code written} is told
   * when it reached the socket (or failed). The next pipelined request starts once the response was
   * issued, so its answer queues behind this one in order.
   */
  void writeLast(Object msg, boolean close, ChannelFutureListener written) {
    ChannelPromise promise = ctx.newPromise();
    promise.addListener(written);
    ctx.writeAndFlush(msg, promise);
    responseIssued(close);
  }

  /** The current exchange's response is complete on the wire side; serve the next request or close. */
  void responseIssued(boolean close) {
    if (responseIssued) {
      return;
    }
    responseIssued = true;
    closeAfterResponse |= close;
    if (closeAfterResponse || !requestRead && current != null && current.admission != null
        && current.admission.hasBody()) {
      // A body the exchange will not read any more (or a refusal): nothing after it may be parsed.
      closeAfterFlush();
      return;
    }
    if (requestRead) {
      next();
    }
  }

  /** Whether the response being written must end with the connection: a client or drain that asked. */
  boolean closeAfterResponse() {
    return closeAfterResponse;
  }

  void closeAfterResponse(boolean close) {
    closeAfterResponse |= close;
  }

  private void next() {
    current = null;
    while (!held.isEmpty() && (current == null || !requestRead) && tunnel == null) {
      dispatch(held.poll());
    }
    if (held.isEmpty()) {
      resume(PAUSE_PIPELINED);
    }
  }

  void closeAfterFlush() {
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  void closeNow() {
    ctx.close();
  }

  void pause(int reason) {
    boolean was = paused == 0;
    paused |= reason;
    if (was) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  void resume(int reason) {
    if (paused == 0) {
      return;
    }
    paused &= ~reason;
    if (paused == 0 && ctx.channel().isActive()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  /** From now on the connection carries a tunnel: the codec goes, bytes pass unparsed both ways. */
  void becomeTunnel(WebSocketTunnel tunnel) {
    this.tunnel = tunnel;
    current = null;
    ctx.pipeline().remove(CODEC);
    paused = 0;
    ctx.channel().config().setAutoRead(true);
  }

  /** Writes raw bytes of a tunnel. */
  void writeRaw(ByteBuf bytes) {
    lastActivityNanos = System.nanoTime();
    ctx.writeAndFlush(bytes, ctx.voidPromise());
  }

  /** A graceful stop: an idle connection closes now, a busy one after its current response. */
  void drain() {
    draining = true;
    closeAfterResponse = true;
    if (current == null && tunnel == null) {
      ctx.close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      if (tunnel != null) {
        tunnel.clientWritable();
      } else if (current != null && current.relay != null) {
        current.relay.clientWritable();
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
    while (!held.isEmpty()) {
      ReferenceCountUtil.release(held.poll());
    }
    if (tunnel != null) {
      tunnel.clientClosed();
    }
    Exchange exchange = current;
    if (exchange != null && !exchange.ended()) {
      dispatcher.clientClosed(exchange);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof java.io.IOException)) {
      log.debug("client connection failed", cause);
    }
    ctx.close();
  }

  /** The HTTP version to answer in: the client's own (an HTTP/1.0 client gets HTTP/1.0). */
  static HttpVersion versionFor(HttpRequest request) {
    return request.protocolVersion().equals(HttpVersion.HTTP_1_0) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
  }
}
