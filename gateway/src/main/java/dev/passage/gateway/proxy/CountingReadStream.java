package dev.passage.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A read stream that counts what passes through and forwards flow control untouched, so piping it
 * keeps the source's backpressure.
 */
final class CountingReadStream implements ReadStream<Buffer> {

  private final ReadStream<Buffer> source;
  private final ByteCounter counter;

  private CountingReadStream(ReadStream<Buffer> source, ByteCounter counter) {
    this.source = source;
    this.counter = counter;
  }

  static ReadStream<Buffer> of(ReadStream<Buffer> source, ByteCounter counter) {
    return new CountingReadStream(source, counter);
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      source.handler(null);
    } else {
      source.handler(chunk -> {
        counter.bytes += chunk.length();
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
