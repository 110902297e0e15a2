package dev.passage.gateway.proxy;

import dev.passage.capture.BodyTee;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * A WebSocket upgrade the upstream accepted, spliced into a byte tunnel: the client's HTTP codec is
 * removed, the upstream's passes bytes unparsed after its 101, and both directions flow with
 * backpressure (a side that cannot take more stops the other side's reading). The upstream
 * connection came from the tunnel bound, not the pool, so no other request can ride it. Audited
 * bytes are counted and digested both ways, never kept ({@code SkipReason.WEBSOCKET}).
 */
final class WebSocketTunnel {

  private final Exchange exchange;
  private final ClientConnection client;
  private final UpstreamConnection upstream;
  private final BodyTee up;
  private final BodyTee down;
  private boolean closed;

  private WebSocketTunnel(Exchange exchange, ClientConnection client, UpstreamConnection upstream) {
    this.exchange = exchange;
    this.client = client;
    this.upstream = upstream;
    this.up = exchange.audit == null ? null : RouteAudit.websocketTee();
    this.down = exchange.audit == null ? null : RouteAudit.websocketTee();
  }

  /** The upstream answered 101: the same answer goes to the client, then both sides become a tunnel. */
  static void splice(Exchange exchange, ClientConnection client, UpstreamConnection upstream, HttpResponse response) {
    if (client.gone()) {
      upstream.close();
      exchange.end(Exchange.Outcome.CLIENT_ABORT, 101, "client went away during the upgrade");
      return;
    }
    WebSocketTunnel tunnel = new WebSocketTunnel(exchange, client, upstream);
    exchange.requestTee = tunnel.up;
    exchange.responseTee = tunnel.down;
    exchange.tunnel = true;
    FullHttpResponse answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
    answer.headers().add(response.headers());
    answer.headers().set(ForwardingHeaders.REQUEST_ID, exchange.id);
    exchange.responseHeaders = answer.headers();
    exchange.responseStarted = true;
    upstream.becomeTunnel(tunnel);
    client.write(answer);
    client.flush();
    client.becomeTunnel(tunnel);
    exchange.route.metrics.webSocketOpened();
    // Only now, with the tunnel in place, may the front door pass the client's bytes on unparsed.
    if (exchange.admission != null) {
      exchange.admission.tunnelEstablished();
    }
  }

  void fromClient(Object msg) {
    if (!(msg instanceof ByteBuf) || closed) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ByteBuf bytes = (ByteBuf) msg;
    exchange.bytesIn += bytes.readableBytes();
    if (up != null && bytes.isReadable()) {
      ExchangeRelay.show(up, bytes);
    }
    upstream.writeRaw(bytes);
    if (!upstream.isWritable()) {
      client.pause(ClientConnection.PAUSE_UPSTREAM_FULL);
    }
  }

  void fromUpstream(Object msg) {
    ByteBuf bytes;
    if (msg instanceof ByteBuf) {
      bytes = (ByteBuf) msg;
    } else if (msg instanceof HttpContent) {
      // The codec's empty last part after the 101.
      bytes = ((HttpContent) msg).content();
    } else {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (closed || !bytes.isReadable()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    exchange.bytesOut += bytes.readableBytes();
    if (down != null) {
      ExchangeRelay.show(down, bytes);
    }
    client.writeRaw(bytes);
  }

  void upstreamReadComplete() {
    if (!client.isWritable()) {
      upstream.autoRead(false);
    }
  }

  void clientWritable() {
    upstream.autoRead(true);
  }

  void upstreamWritable() {
    client.resume(ClientConnection.PAUSE_UPSTREAM_FULL);
  }

  /** Either side closing closes the other; the exchange ends (and its record is written) once. */
  void clientClosed() {
    closed = true;
    upstream.close();
    ended();
  }

  void upstreamClosed() {
    closed = true;
    client.closeAfterFlush();
    ended();
  }

  private void ended() {
    if (!exchange.ended()) {
      exchange.end(Exchange.Outcome.OK, 101, null);
    }
  }
}
