package dev.passage.gateway.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The front door of one client connection: a Netty stage in front of the engine's HTTP decoder
 * that reads the raw bytes, admits or refuses each request, and hands the engine only canonical
 * requests (RFC 9112, see docs/security.md). A refused request reaches the engine as a bodiless
 * placeholder whose {@link Admission} carries the reason, so the answer goes out in order behind
 * earlier pipelined responses and through the engine's one exchange lifecycle; after it, not one
 * more byte of the connection is parsed. Bodies stream through as retained slices.
 */
public final class FrontDoorHandler extends ChannelInboundHandlerAdapter {

  /** The name under which the handler sits in the pipeline. */
  public static final String NAME = "passageFrontDoor";

  /** The bodiless request that stands in for a refused one; its Admission says why. */
  private static final byte[] PLACEHOLDER =
      "GET / HTTP/1.1\r\nHost: refused.invalid\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  /** Bytes held while an upgrade is decided; a WebSocket client sends nothing before the 101. */
  private static final int MAX_HELD_DURING_UPGRADE = 64 * 1024;

  private enum State { HEAD, BODY_LENGTH, BODY_CHUNKED, UPGRADE_PENDING, PASSTHROUGH, DISCARD }

  private final EdgeLimits limits;
  private final RequestHeadParser parser;
  private final ChunkedBodyReader chunked;
  private final ArrayDeque<Admission> decided = new ArrayDeque<>(2);
  private ChannelHandlerContext ctx;
  private State state = State.HEAD;
  /** Unconsumed bytes of an incomplete head (or held during an upgrade), copied out of the read buffer. */
  private ByteBuf held;
  private Admission current;
  private boolean closeAfterCurrent;
  private long remaining;
  private long bodyBytes;
  private long lastBodyReadNanos;
  private int requests;
  private boolean peerFailed;
  private ScheduledFuture<?> headerTimer;
  private ScheduledFuture<?> bodyTimer;

  public FrontDoorHandler(EdgeLimits limits) {
    this.limits = limits;
    this.parser = new RequestHeadParser(limits);
    this.chunked = new ChunkedBodyReader(limits);
  }

  /** The decision on the engine's next request; the engine takes exactly one per request, in order. */
  public Admission nextAdmission() {
    Admission a = decided.poll();
    if (a != null) {
      a.taken();
    }
    return a;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf data = (ByteBuf) msg;
    if (held != null) {
      ByteBuf joined = ctx.alloc().heapBuffer(held.readableBytes() + data.readableBytes());
      joined.writeBytes(held).writeBytes(data);
      held.release();
      held = null;
      data.release();
      data = joined;
    }
    try {
      drain(data);
      if (data.isReadable() && (state == State.HEAD || state == State.UPGRADE_PENDING)) {
        if (state == State.UPGRADE_PENDING && data.readableBytes() > MAX_HELD_DURING_UPGRADE) {
          ctx.close();
        } else {
          held = ctx.alloc().heapBuffer(data.readableBytes());
          held.writeBytes(data);
        }
      }
    } finally {
      data.release();
    }
  }

  private void drain(ByteBuf data) {
    while (data.isReadable()) {
      switch (state) {
        case HEAD:
          if (!readHead(data)) {
            return;
          }
          break;
        case BODY_LENGTH:
          readLengthBody(data);
          break;
        case BODY_CHUNKED:
          readChunkedBody(data);
          break;
        case PASSTHROUGH:
          ctx.fireChannelRead(data.readRetainedSlice(data.readableBytes()));
          break;
        case UPGRADE_PENDING:
          return;
        default:
          data.skipBytes(data.readableBytes());
          return;
      }
    }
  }

  /** Returns false when the head is incomplete (or refused): nothing more to do with this read. */
  private boolean readHead(ByteBuf data) {
    RequestHead head;
    try {
      if (!parser.parse(data)) {
        // Armed only for a head that did not arrive whole in one read: the common case schedules
        // and cancels nothing. The clock still starts with the head's first bytes.
        if (headerTimer == null) {
          headerTimer = ctx.executor().schedule(this::headerTimedOut, limits.headerTimeout().toNanos(),
              TimeUnit.NANOSECONDS);
        }
        return false;
      }
      head = RequestHead.of(parser.method(), parser.target(), parser.version(), parser.fields(), limits);
    } catch (RequestRefused refused) {
      refuseHead(refused.reason());
      return false;
    }
    cancel(headerTimer);
    headerTimer = null;
    admit(head);
    return true;
  }

  private void admit(RequestHead head) {
    parser.reset();
    requests++;
    closeAfterCurrent = requests >= limits.maxRequestsPerConnection() || head.http10();
    Admission admission = Admission.admitted(head, this);
    decided.add(admission);
    current = admission;
    bodyBytes = 0;
    switch (head.framing) {
      case LENGTH:
        remaining = head.contentLength;
        state = State.BODY_LENGTH;
        startBodyTimer();
        break;
      case CHUNKED:
        chunked.reset();
        state = State.BODY_CHUNKED;
        startBodyTimer();
        break;
      default:
        state = head.upgrade ? State.UPGRADE_PENDING : closeAfterCurrent ? State.DISCARD : State.HEAD;
    }
    ByteBuf canonical = ctx.alloc().buffer(512);
    head.writeCanonical(canonical, closeAfterCurrent, limits.relayExpectContinue());
    ctx.fireChannelRead(canonical);
    if (state != State.BODY_LENGTH && state != State.BODY_CHUNKED) {
      // No body to watch: an idle keep-alive connection must not keep its last exchange reachable
      // (the engine's body-refusal listener holds it), or every idle connection costs kilobytes.
      current = null;
    }
  }

  private void readLengthBody(ByteBuf data) {
    int n = (int) Math.min(remaining, data.readableBytes());
    remaining -= n;
    if (overLimit(bodyBytes += n)) {
      data.skipBytes(n);
      refuseBody(RefusalReason.BODY_TOO_LARGE);
      return;
    }
    lastBodyReadNanos = System.nanoTime();
    current.bodyProgress(lastBodyReadNanos);
    ctx.fireChannelRead(data.readRetainedSlice(n));
    if (remaining == 0) {
      bodyEnded();
    }
  }

  private void readChunkedBody(ByteBuf data) {
    ByteBuf out;
    try {
      out = chunked.read(data, ctx.alloc());
    } catch (RequestRefused refused) {
      refuseBody(refused.reason());
      return;
    }
    if (overLimit(chunked.dataBytes())) {
      if (out != null) {
        out.release();
      }
      refuseBody(RefusalReason.BODY_TOO_LARGE);
      return;
    }
    lastBodyReadNanos = System.nanoTime();
    current.bodyProgress(lastBodyReadNanos);
    if (out != null) {
      ctx.fireChannelRead(out);
    }
    if (chunked.done()) {
      bodyEnded();
    }
  }

  private boolean overLimit(long bytes) {
    long max = current.maxBodyBytes();
    return max >= 0 && bytes > max;
  }

  private void bodyEnded() {
    cancel(bodyTimer);
    bodyTimer = null;
    current = null;
    state = closeAfterCurrent ? State.DISCARD : State.HEAD;
  }

  private void refuseHead(RefusalReason reason) {
    cancel(headerTimer);
    headerTimer = null;
    state = State.DISCARD;
    decided.add(Admission.refused(reason, parser.method(), parser.target(), parser.fields()));
    ctx.fireChannelRead(Unpooled.wrappedBuffer(PLACEHOLDER));
  }

  private void refuseBody(RefusalReason reason) {
    cancel(bodyTimer);
    bodyTimer = null;
    state = State.DISCARD;
    Admission admission = current;
    current = null;
    if (!admission.refuseBody(reason)) {
      ctx.close();
    }
  }

  void noTunnel() {
    if (state != State.UPGRADE_PENDING) {
      return;
    }
    state = closeAfterCurrent ? State.DISCARD : State.HEAD;
    if (held != null) {
      // Parse what arrived while the upgrade was undecided, as if it arrived now.
      channelRead(ctx, Unpooled.EMPTY_BUFFER);
    }
  }

  void tunnelEstablished() {
    if (state != State.UPGRADE_PENDING) {
      return;
    }
    state = State.PASSTHROUGH;
    if (held != null) {
      ByteBuf early = held;
      held = null;
      ctx.fireChannelRead(early);
    }
  }

  private void headerTimedOut() {
    headerTimer = null;
    if (state == State.HEAD && ctx.channel().isActive()) {
      if (held != null) {
        held.release();
        held = null;
      }
      refuseHead(RefusalReason.HEADER_TIMEOUT);
    }
  }

  private void startBodyTimer() {
    lastBodyReadNanos = System.nanoTime();
    bodyTimer = ctx.executor().schedule(this::checkBodyProgress, limits.bodyTimeout().toNanos(), TimeUnit.NANOSECONDS);
  }

  /** A body that stalls because the engine stopped reading (backpressure) is not the client's fault. */
  private void checkBodyProgress() {
    if (state != State.BODY_LENGTH && state != State.BODY_CHUNKED) {
      return;
    }
    long idle = System.nanoTime() - lastBodyReadNanos;
    long timeout = limits.bodyTimeout().toNanos();
    if (!ctx.channel().config().isAutoRead()) {
      lastBodyReadNanos = System.nanoTime();
      idle = 0;
    }
    if (idle >= timeout) {
      refuseBody(RefusalReason.BODY_TIMEOUT);
    } else {
      bodyTimer = ctx.executor().schedule(this::checkBodyProgress, timeout - idle, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * A read error (a reset by the client) reaches the engine as an exception while the channel
   * still looks open, and upstream failures it causes follow at once: this says whose fault it was.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof java.io.IOException) {
      peerFailed = true;
    }
    ctx.fireExceptionCaught(cause);
  }

  /** Whether the client's side of the connection failed (reset, broken pipe). */
  public boolean peerFailed() {
    return peerFailed;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    release();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    release();
  }

  private void release() {
    cancel(headerTimer);
    cancel(bodyTimer);
    headerTimer = null;
    bodyTimer = null;
    state = State.DISCARD;
    if (held != null) {
      held.release();
      held = null;
    }
  }

  private static void cancel(ScheduledFuture<?> timer) {
    if (timer != null) {
      timer.cancel(false);
    }
  }
}
