package dev.passage.gateway.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Puts an upstream response's Transfer-Encoding into the one spelling vertx-http-proxy accepts.
 * Netty's decoder already framed the body (chunked when the codings end in {@code chunked}, any
 * case; otherwise read until close, RFC 9112 section 6.3); the library then checks the header text
 * for exactly {@code chunked} and answers {@code 501} itself for {@code Chunked} or
 * {@code gzip, chunked}, before any interceptor runs (shared/ENGINE.md). The header is hop-by-hop,
 * so rewriting it changes nothing the client sees.
 */
final class UpstreamResponseFraming extends ChannelInboundHandlerAdapter {

  static final String NAME = "passageResponseFraming";

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpResponse) {
      HttpResponse response = (HttpResponse) msg;
      if (response.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        response.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (chunked) {
          response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        }
      }
    }
    ctx.fireChannelRead(msg);
  }
}
