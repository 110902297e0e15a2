package spike;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.*;
import io.netty.channel.epoll.*;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.*;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/** Spike: Netty-direct HTTP/1.1 reverse proxy, one event loop, per-loop upstream keep-alive pool. */
public final class Proxy {
    static String upHost; static int upPort; static Audit audit;
    static Class<? extends Channel> clientChannelClass;

    public static void main(String[] args) throws Exception {
        String listen = null, to = null, auditFile = null;
        int threads = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--listen" -> listen = args[++i];
                case "--to" -> to = args[++i];
                case "--audit" -> auditFile = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        URI up = URI.create(to);
        upHost = up.getHost(); upPort = up.getPort() < 0 ? 80 : up.getPort();
        if (auditFile != null) audit = new Audit(auditFile);
        boolean epoll = Epoll.isAvailable() && !Boolean.getBoolean("spike.nio");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        clientChannelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        int colon = listen.lastIndexOf(':');
        ServerBootstrap sb = new ServerBootstrap().group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, recvAllocator())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(decoderConfig()), new Frontend());
                    }
                });
        Channel server = sb.bind(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1))).sync().channel();
        System.err.println("spike proxy on " + listen + " -> " + to + " transport=" + (epoll ? "epoll" : "nio (" + Epoll.unavailabilityCause() + ")")
                + " audit=" + auditFile + " java=" + Runtime.version());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { if (audit != null) audit.close(); }));
        server.closeFuture().sync();
    }

    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(
            Integer.getInteger("spike.wmLow", 32 << 10), Integer.getInteger("spike.wmHigh", 64 << 10));
    static RecvByteBufAllocator recvAllocator() {
        return new AdaptiveRecvByteBufAllocator(64, 2048, Integer.getInteger("spike.recvMax", 64 << 10));
    }

    static HttpDecoderConfig decoderConfig() {
        return new HttpDecoderConfig().setMaxInitialLineLength(8192).setMaxHeaderSize(16384).setMaxChunkSize(1 << 20);
    }

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString[] HOP = {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, AsciiString.cached("proxy-connection"),
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE, HttpHeaderNames.PROXY_AUTHORIZATION};

    /** Hop-by-hop headers out (Transfer-Encoding stays: the codecs re-frame the body the same way). */
    static void stripHopByHop(HttpHeaders h) {
        String conn = h.get(HttpHeaderNames.CONNECTION);
        if (conn != null && conn.indexOf(',') >= 0 || conn != null && !isStd(conn)) {
            for (String token : conn.split(",")) { String t = token.trim(); if (!t.isEmpty()) h.remove(t); }
        }
        for (AsciiString n : HOP) h.remove(n);
    }
    private static boolean isStd(String c) { return c.equalsIgnoreCase("keep-alive") || c.equalsIgnoreCase("close"); }

    // ---------------------------------------------------------------- upstream pool, one per event loop
    static final class Pool {
        final EventLoop loop; final ArrayDeque<Channel> idle = new ArrayDeque<>(); final Bootstrap bootstrap;
        Pool(EventLoop loop) {
            this.loop = loop;
            bootstrap = new Bootstrap().group(loop).channel(clientChannelClass)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, recvAllocator())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(decoderConfig(), false, false), new Backend());
                        }
                    });
        }
        /** Returns an idle channel, or null (then connect()). */
        Channel poll() {
            Channel ch;
            while ((ch = idle.pollLast()) != null) if (ch.isActive()) return ch;
            return null;
        }
        ChannelFuture connect() { return bootstrap.connect(upHost, upPort); }
        void release(Channel ch) {
            if (ch.isActive() && idle.size() < 1024) { ch.config().setAutoRead(true); idle.addLast(ch); } else ch.close();
        }
    }
    static final FastThreadLocal<Pool> POOLS = new FastThreadLocal<>();
    static Pool pool(Channel client) {
        Pool p = POOLS.getIfExists();
        if (p == null) { p = new Pool(client.eventLoop()); POOLS.set(p); }
        return p;
    }

    // ---------------------------------------------------------------- client side
    static final class Frontend extends ChannelInboundHandlerAdapter {
        Channel client, upstream;            // upstream: bound to the current exchange
        final ArrayDeque<Object> pending = new ArrayDeque<>(); // held while no upstream or previous exchange busy
        boolean inExchange, waitingUpstream, requestDone, responseStarted, clientKeepAlive, upFlush, closed, interim;
        String remoteIp;
        Audit.Rec rec; Audit.Tee tee;

        @Override public void channelActive(ChannelHandlerContext ctx) {
            client = ctx.channel();
            remoteIp = ((InetSocketAddress) client.remoteAddress()).getAddress().getHostAddress();
            ctx.fireChannelActive();
        }

        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closed) { ReferenceCountUtil.release(msg); return; }
            if (waitingUpstream || !pending.isEmpty() || (msg instanceof HttpRequest && inExchange)) {
                pending.add(msg);
                client.config().setAutoRead(false);   // bound what we hold
                return;
            }
            process(msg);
        }

        private void process(Object msg) {
            if (msg instanceof HttpRequest req) {
                startExchange(req);
                if (waitingUpstream) return;    // content after the head queues in pending
                if (msg instanceof HttpContent c) forwardContent(c);
            } else if (msg instanceof HttpContent c) {
                if (!inExchange || requestDone) { c.release(); return; }  // stray content (e.g. after an early error)
                forwardContent(c);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        private void startExchange(HttpRequest req) {
            if (req.decoderResult().isFailure()) { sendError(HttpResponseStatus.BAD_REQUEST, false); return; }
            inExchange = true; requestDone = false; responseStarted = false;
            clientKeepAlive = HttpUtil.isKeepAlive(req);
            HttpHeaders h = req.headers();
            stripHopByHop(h);
            String xff = h.get(X_FORWARDED_FOR);
            h.set(X_FORWARDED_FOR, xff == null ? remoteIp : xff + ", " + remoteIp);
            req.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (audit != null) { rec = new Audit.Rec(req.method().name(), req.uri(), Audit.headers(h)); tee = null; }
            Pool pool = pool(client);
            Channel up = pool.poll();
            if (up != null) { bind(up); up.write(req, up.voidPromise()); upFlush = true; return; }
            waitingUpstream = true;
            pending.addFirst(req);
            client.config().setAutoRead(false);
            pool.connect().addListener((ChannelFutureListener) f -> {
                waitingUpstream = false;
                if (!f.isSuccess() || closed) {
                    if (f.isSuccess()) f.channel().close();
                    drainPendingRelease();
                    if (!closed) sendError(HttpResponseStatus.BAD_GATEWAY, false);
                    return;
                }
                bind(f.channel());
                Object head = pending.pollFirst();
                upstream.write(head, upstream.voidPromise());
                upFlush = true;
                drainPending();
            });
        }

        private void bind(Channel up) { upstream = up; ((Backend) up.pipeline().last()).front = this; }

        private void forwardContent(HttpContent c) {
            boolean last = c instanceof LastHttpContent;
            upstream.write(c, upstream.voidPromise());
            upFlush = true;
            if (last) { requestDone = true; upstream.flush(); upFlush = false; }
            if (!upstream.isWritable()) {
                upstream.flush(); upFlush = false;
                if (!upstream.isWritable()) client.config().setAutoRead(false);
            }
        }

        /** Replays held messages; stops when an exchange blocks (waiting upstream or a new request while busy). */
        void drainPending() {
            Object m;
            while (!closed && !waitingUpstream && (m = pending.peekFirst()) != null) {
                if (m instanceof HttpRequest && inExchange) break;
                pending.pollFirst();
                process(m);
            }
            if (upFlush && upstream != null) { upstream.flush(); upFlush = false; }
            updateRead();
        }

        void updateRead() {
            boolean read = !closed && pending.isEmpty() && !waitingUpstream && (upstream == null || upstream.isWritable());
            if (client.config().isAutoRead() != read) client.config().setAutoRead(read);
        }

        @Override public void channelReadComplete(ChannelHandlerContext ctx) {
            if (upFlush && upstream != null) { upstream.flush(); upFlush = false; }
        }

        @Override public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (upstream != null && client.isWritable()) upstream.config().setAutoRead(true);
            ctx.fireChannelWritabilityChanged();
        }

        // ---- called from Backend, on the same event loop
        void onResponse(Object msg) {
            if (closed) { ReferenceCountUtil.release(msg); return; }
            if (msg instanceof HttpResponse resp) {
                responseStarted = true;
                if (resp.status().codeClass() == HttpStatusClass.INFORMATIONAL && resp.status().code() != 101) {
                    interim = true; client.writeAndFlush(msg, client.voidPromise()); return;   // 100 Continue & co: relay
                }
                HttpHeaders h = resp.headers();
                boolean upKeepAlive = HttpUtil.isKeepAlive(resp);
                ((Backend) upstream.pipeline().last()).keepAlive = upKeepAlive;
                stripHopByHop(h);
                if (!HttpUtil.isContentLengthSet(resp) && !HttpUtil.isTransferEncodingChunked(resp) && mayHaveBody(resp))
                    HttpUtil.setTransferEncodingChunked(resp, true);  // close-delimited upstream -> chunked to client
                if (!clientKeepAlive) h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                if (rec != null) { tee = audit.startResponse(rec, resp.status().code(), h); }
            }
            if (interim && msg instanceof LastHttpContent) { interim = false; client.writeAndFlush(msg, client.voidPromise()); return; }
            if (msg instanceof HttpContent c && tee != null) tee.update(c.content());
            boolean last = msg instanceof LastHttpContent;
            client.write(msg, client.voidPromise());
            if (!client.isWritable()) {
                client.flush();                      // may drain synchronously and turn writable again
                if (!client.isWritable() && upstream != null) upstream.config().setAutoRead(false);
            }
            if (last) finishExchange();
        }

        private boolean mayHaveBody(HttpResponse r) {
            int c = r.status().code();
            return c >= 200 && c != 204 && c != 304;   // spike: HEAD responses are framed by the client codec's method queue
        }

        private void finishExchange() {
            if (tee != null) { tee.finish(); tee = null; rec = null; }
            Channel up = upstream; Backend b = (Backend) up.pipeline().last();
            b.front = null; upstream = null; inExchange = false;
            client.flush();
            if (requestDone && b.keepAlive) pool(client).release(up); else up.close();
            if (!clientKeepAlive) {
                closed = true;
                client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                drainPendingRelease();
                return;
            }
            drainPending();
        }

        void flushClient() { client.flush(); }

        void onUpstreamClosed() {
            // upstream went away mid-exchange
            Channel up = upstream; upstream = null; inExchange = false;
            if (up != null) ((Backend) up.pipeline().last()).front = null;
            if (tee != null) { tee.abort(); tee = null; }
            if (!responseStarted) { sendError(HttpResponseStatus.BAD_GATEWAY, false); return; }
            closed = true; client.close();
        }

        void onUpstreamWritable() { updateRead(); }

        private void sendError(HttpResponseStatus st, boolean keep) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, st, Unpooled.EMPTY_BUFFER);
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            closed = true; inExchange = false;
            client.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            drainPendingRelease();
        }

        private void drainPendingRelease() { Object m; while ((m = pending.poll()) != null) ReferenceCountUtil.release(m); }

        @Override public void channelInactive(ChannelHandlerContext ctx) {
            closed = true;
            drainPendingRelease();
            if (tee != null) { tee.abort(); tee = null; }
            if (upstream != null) { Channel up = upstream; upstream = null; ((Backend) up.pipeline().last()).front = null; up.close(); }
            ctx.fireChannelInactive();
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }

    // ---------------------------------------------------------------- upstream side
    static final class Backend extends ChannelInboundHandlerAdapter {
        Frontend front; boolean keepAlive = true;

        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Frontend f = front;
            if (f == null) { ReferenceCountUtil.release(msg); ctx.close(); return; }   // data on an idle connection
            f.onResponse(msg);
        }
        @Override public void channelReadComplete(ChannelHandlerContext ctx) {
            Frontend f = front;
            if (f != null) f.flushClient();
            else { /* the exchange ended in this read: its bytes were written, flush them */ }
        }
        @Override public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (front != null && ctx.channel().isWritable()) front.onUpstreamWritable();
        }
        @Override public void channelInactive(ChannelHandlerContext ctx) {
            Frontend f = front; front = null;
            if (f != null) f.onUpstreamClosed();
        }
        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }
}
