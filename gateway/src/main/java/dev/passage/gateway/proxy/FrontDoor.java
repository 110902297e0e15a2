package dev.passage.gateway.proxy;

import dev.passage.gateway.config.Durations;
import dev.passage.gateway.config.ServerConfig;
import dev.passage.gateway.edge.Admission;
import dev.passage.gateway.edge.EdgeLimits;
import dev.passage.gateway.edge.FrontDoorHandler;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Where the engine meets the front door: puts a {@link FrontDoorHandler} in front of Vert.x's HTTP
 * decoder on every accepted connection, and finds it again for each request. The only class that
 * reaches into Vert.x's internal connection type, so an engine change touches this one place.
 */
final class FrontDoor {

  private static final AttributeKey<FrontDoorHandler> HANDLER = AttributeKey.valueOf("passage.frontDoor");
  /** The name of Vert.x's HTTP/1.x request decoder in the server pipeline (HttpServerConnectionInitializer). */
  private static final String VERTX_DECODER = "httpDecoder";

  private FrontDoor() {}

  static EdgeLimits limits(ServerConfig server) {
    return new EdgeLimits(server.maxInitialLineBytes(), server.maxHeaderBytes(), server.maxHeaderCount(),
        EdgeLimits.DEFAULT_MAX_CHUNK_LINE_BYTES, server.maxRequestsPerConnection(),
        Durations.parse(server.headerTimeout()), Durations.parse(server.bodyTimeout()),
        server.encodedSlashes().equals("reject"), server.expectContinue().equals("upstream"));
  }

  /** Runs on the connection's event loop before its first read (Vert.x calls the connection handler while setting it up). */
  static void install(HttpConnection connection, EdgeLimits limits) {
    Channel channel = channel(connection);
    FrontDoorHandler handler = new FrontDoorHandler(limits);
    channel.pipeline().addBefore(VERTX_DECODER, FrontDoorHandler.NAME, handler);
    channel.attr(HANDLER).set(handler);
  }

  static Channel channel(HttpConnection connection) {
    return ((ConnectionBase) connection).channelHandlerContext().channel();
  }

  /** Whether the client's connection is closed or failed (see {@link FrontDoorHandler#peerFailed()}). */
  static boolean clientGone(HttpConnection connection) {
    Channel channel = channel(connection);
    if (!channel.isActive()) {
      return true;
    }
    FrontDoorHandler handler = channel.attr(HANDLER).get();
    return handler != null && handler.peerFailed();
  }

  /** The front door's decision on this request; null only if the request bypassed it (a bug). */
  static Admission admissionOf(HttpServerRequest request) {
    FrontDoorHandler handler = channel(request.connection()).attr(HANDLER).get();
    return handler == null ? null : handler.nextAdmission();
  }
}
