package dev.passage.gateway.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Keeps vertx-http-proxy from refusing valid upstream responses by itself. First, it puts an
 * upstream response's Transfer-Encoding into the one spelling the library accepts.
 * Netty's decoder already framed the body (chunked when the codings end in {@code chunked}, any
 * case; otherwise read until close, RFC 9112 section 6.3); the library then checks the header text
 * for exactly {@code chunked} and answers {@code 501} itself for {@code Chunked} or
 * {@code gzip, chunked}, before any interceptor runs (shared/ENGINE.md). The header is hop-by-hop,
 * so rewriting it changes nothing the client sees. Second, it hides Cache-Control from the
 * library under {@link #HIDDEN_CACHE_CONTROL}: the library parses it for a cache Passage does not
 * use, and a valid response with {@code max-age=1.5}, or {@code public} with {@code Expires: 0},
 * made it fail the exchange with 502. {@link ExchangeInterceptor} puts the header back, as sent.
 */
final class UpstreamResponseFraming extends ChannelInboundHandlerAdapter {

  static final String NAME = "passageResponseFraming";
  static final String HIDDEN_CACHE_CONTROL = "x-passage-hidden-cache-control";

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
      if (response.headers().contains(HttpHeaderNames.CACHE_CONTROL)) {
        response.headers().set(HIDDEN_CACHE_CONTROL, response.headers().getAll(HttpHeaderNames.CACHE_CONTROL));
        response.headers().remove(HttpHeaderNames.CACHE_CONTROL);
      }
    }
    ctx.fireChannelRead(msg);
  }
}
