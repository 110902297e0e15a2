package dev.passage.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to an upstream target, on the event loop of the client connections it serves. It
 * carries one exchange at a time ({@link #attach}), then goes back to its loop's pool, or becomes
 * a tunnel for the rest of its life. An idle connection that receives anything is closed: there
 * is no request it could answer.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {

  static final String CODEC = "passageClientCodec";
  private static final Logger log = LoggerFactory.getLogger(UpstreamConnection.class);

  private final UpstreamGroup group;
  private final int targetIndex;
  private final Target target;
  private final boolean forTunnel;
  private ChannelHandlerContext ctx;
  private ExchangeRelay relay;
  private WebSocketTunnel tunnel;
  private boolean active;
  /** When it went back to the idle pool (UpstreamGroup sweeps it out after idle_timeout). */
  long idleSinceNanos;

  UpstreamConnection(UpstreamGroup group, int targetIndex, Target target, boolean forTunnel) {
    this.group = group;
    this.targetIndex = targetIndex;
    this.target = target;
    this.forTunnel = forTunnel;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  int targetIndex() {
    return targetIndex;
  }

  Target target() {
    return target;
  }

  boolean forTunnel() {
    return forTunnel;
  }

  Channel channel() {
    return ctx.channel();
  }

  void attach(ExchangeRelay relay) {
    this.relay = relay;
  }

  void detach() {
    this.relay = null;
  }

  void becomeTunnel(WebSocketTunnel tunnel) {
    this.relay = null;
    this.tunnel = tunnel;
  }

  void write(Object msg) {
    ctx.write(msg, ctx.voidPromise());
  }

  /** Raw bytes of a tunnel, written below the HTTP codec. */
  void writeRaw(ByteBuf bytes) {
    ctx.pipeline().context(CODEC).writeAndFlush(bytes, ctx.voidPromise());
  }

  void flush() {
    ctx.flush();
  }

  boolean isWritable() {
    return ctx.channel().isWritable();
  }

  void autoRead(boolean on) {
    ctx.channel().config().setAutoRead(on);
  }

  void close() {
    ctx.close();
  }

  boolean isActive() {
    return ctx != null && ctx.channel().isActive();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    active = true;
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (tunnel != null) {
      tunnel.fromUpstream(msg);
      return;
    }
    ExchangeRelay r = relay;
    if (r == null) {
      // Bytes on an idle connection answer nothing that was asked.
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    if (msg instanceof HttpResponse) {
      r.responseHead((HttpResponse) msg);
    }
    if (msg instanceof HttpContent) {
      ExchangeRelay now = relay;
      if (now != null) {
        now.responseContent((HttpContent) msg);
      } else if (tunnel != null) {
        tunnel.fromUpstream(msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (relay != null) {
      relay.upstreamReadComplete();
    } else if (tunnel != null) {
      tunnel.upstreamReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      if (relay != null) {
        relay.upstreamWritable();
      } else if (tunnel != null) {
        tunnel.upstreamWritable();
      }
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (active) {
      active = false;
      group.closed(this);
    }
    if (relay != null) {
      ExchangeRelay r = relay;
      relay = null;
      r.upstreamClosed();
    }
    if (tunnel != null) {
      tunnel.upstreamClosed();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof java.io.IOException)) {
      log.debug("upstream connection to {} failed", target, cause);
    }
    ctx.close();
  }
}
