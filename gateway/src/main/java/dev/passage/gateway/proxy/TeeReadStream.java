package dev.passage.gateway.proxy;

import dev.passage.capture.BodyTee;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;
import java.nio.ByteBuffer;

/**
 * A body stream with a {@link BodyTee} on it: every chunk is counted, shown to the tee (which
 * digests and keeps at most its bound) and then forwarded unchanged, in the same call. Flow control
 * goes straight to the source, so piping this stream keeps the source's backpressure. Without a
 * tee (no audit) it only counts, for the byte meters of streams Vert.x does not count itself.
 */
final class TeeReadStream implements ReadStream<Buffer> {

  private final ReadStream<Buffer> source;
  private final BodyTee tee;
  private long bytes;

  /** Told first when the source fails, before whoever pipes this stream reacts to it. */
  private final Runnable onSourceFailure;

  TeeReadStream(ReadStream<Buffer> source, BodyTee tee) {
    this(source, tee, null);
  }

  TeeReadStream(ReadStream<Buffer> source, BodyTee tee, Runnable onSourceFailure) {
    this.source = source;
    this.tee = tee;
    this.onSourceFailure = onSourceFailure;
  }

  static void show(BodyTee tee, Buffer chunk) {
    ByteBuf buf = ((BufferInternal) chunk).getByteBuf();
    if (buf.nioBufferCount() == 1) {
      tee.accept(buf.nioBuffer());
    } else {
      for (ByteBuffer part : buf.nioBuffers()) {
        tee.accept(part);
      }
    }
  }

  /** Bytes passed on so far. */
  long bytes() {
    return bytes;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    if (onSourceFailure == null || handler == null) {
      source.exceptionHandler(handler);
    } else {
      source.exceptionHandler(failure -> {
        onSourceFailure.run();
        handler.handle(failure);
      });
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      source.handler(null);
    } else {
      source.handler(chunk -> {
        bytes += chunk.length();
        if (tee != null) {
          show(tee, chunk);
        }
        handler.handle(chunk);
      });
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> pause() {
    source.pause();
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    source.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    source.fetch(amount);
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    source.endHandler(endHandler);
    return this;
  }
}
