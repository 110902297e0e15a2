package spike;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.internal.PlatformDependent;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.locks.LockSupport;

/** Audit tee: digest + first 64 KiB of JSON per exchange, records to a writer thread through a bounded MPSC queue. */
final class Audit {
    static final int KEEP = 64 * 1024;
    final MessageDigest proto;
    final Queue<Rec> queue = PlatformDependent.newFixedMpscQueue(16384);
    final Thread writer;
    final FileChannel file;
    volatile boolean stop;
    static final long BUDGET = Long.getLong("spike.auditBudget", 8 << 20);   // kept body bytes waiting for the writer
    final java.util.concurrent.atomic.AtomicLong inflight = new java.util.concurrent.atomic.AtomicLong();
    volatile long written;
    long dropped, offered; int sinceWake;   // event loop only (one loop in the spike)

    Audit(String path) throws Exception {
        proto = MessageDigest.getInstance("SHA-256");
        proto.clone();   // fail early if not cloneable
        file = FileChannel.open(Path.of(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        writer = new Thread(this::run, "audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    static final class Rec {
        final String method, uri; final String[] reqHeaders; final long ts = System.currentTimeMillis();
        int status; String[] respHeaders; byte[] sha256; byte[] kept; int keptLen; long bytes;
        Rec(String method, String uri, String[] reqHeaders) { this.method = method; this.uri = uri; this.reqHeaders = reqHeaders; }
    }

    static String[] headers(HttpHeaders h) {
        String[] a = new String[h.size() * 2]; int i = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            a[i++] = e.getKey().toString(); a[i++] = e.getValue().toString();
        }
        return a;
    }

    Tee startResponse(Rec rec, int status, HttpHeaders h) {
        rec.status = status; rec.respHeaders = headers(h);
        String ct = h.get(HttpHeaderNames.CONTENT_TYPE);
        MessageDigest md;
        try { md = (MessageDigest) proto.clone(); } catch (CloneNotSupportedException e) { throw new IllegalStateException(e); }
        return new Tee(rec, md, ct != null && ct.contains("json"), h.getInt(HttpHeaderNames.CONTENT_LENGTH, KEEP));
    }

    final class Tee {
        final Rec rec; final MessageDigest md; final boolean json; final int hint;
        Tee(Rec rec, MessageDigest md, boolean json, int hint) { this.rec = rec; this.md = md; this.json = json; this.hint = hint; }

        void update(ByteBuf b) {
            int n = b.readableBytes();
            if (n == 0) return;
            rec.bytes += n;
            if (b.hasArray()) md.update(b.array(), b.arrayOffset() + b.readerIndex(), n);
            else if (b.nioBufferCount() == 1) md.update(b.internalNioBuffer(b.readerIndex(), n));
            else for (ByteBuffer bb : b.nioBuffers()) md.update(bb);
            if (json && rec.keptLen < KEEP) {
                if (rec.kept == null) rec.kept = new byte[Math.max(1, Math.min(KEEP, hint))];
                int take = Math.min(n, KEEP - rec.keptLen);
                if (rec.keptLen + take > rec.kept.length) rec.kept = java.util.Arrays.copyOf(rec.kept, Math.min(KEEP, Math.max(rec.kept.length * 2, rec.keptLen + take)));
                b.getBytes(b.readerIndex(), rec.kept, rec.keptLen, take);
                rec.keptLen += take;
            }
        }

        void finish() {
            rec.sha256 = md.digest();
            offered++;
            int cost = rec.keptLen + 256;
            if (inflight.get() + cost > BUDGET || !queue.offer(rec)) { dropped++; return; }
            inflight.addAndGet(cost);
            if (++sinceWake >= 128) { sinceWake = 0; LockSupport.unpark(writer); }
        }

        void abort() { /* spike: an aborted exchange is not recorded */ }
    }

    // ---------------------------------------------------------------- writer thread
    private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
    private final OutputStream sink = new OutputStream() {
        @Override public void write(int b) throws IOException { if (!out.hasRemaining()) drain(); out.put((byte) b); }
        @Override public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (!out.hasRemaining()) drain();
                int n = Math.min(len, out.remaining());
                out.put(b, off, n); off += n; len -= n;
            }
        }
        @Override public void flush() throws IOException { drain(); }
    };
    private void drain() throws IOException {
        out.flip();
        while (out.hasRemaining()) file.write(out);
        out.clear();
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private void run() {
        try (JsonGenerator g = new JsonFactory().createGenerator(sink, JsonEncoding.UTF8)) {
            g.setRootValueSeparator(null);
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            char[] hex = new char[64];
            while (true) {
                Rec r; int n = 0;
                while ((r = queue.poll()) != null) { write(g, r, hex); g.writeRaw('\n'); n++; inflight.addAndGet(-(r.keptLen + 256)); }
                written += n;
                if (n > 0) g.flush();
                if (stop && queue.isEmpty()) break;
                LockSupport.parkNanos(2_000_000);
            }
        } catch (IOException e) {
            e.printStackTrace();
        }
    }

    private static void write(JsonGenerator g, Rec r, char[] hex) throws IOException {
        g.writeStartObject();
        g.writeNumberField("ts", r.ts);
        g.writeStringField("method", r.method);
        g.writeStringField("uri", r.uri);
        g.writeNumberField("status", r.status);
        headers(g, "request_headers", r.reqHeaders);
        headers(g, "response_headers", r.respHeaders);
        g.writeNumberField("bytes", r.bytes);
        for (int i = 0; i < 32; i++) { hex[2 * i] = HEX[(r.sha256[i] >> 4) & 15]; hex[2 * i + 1] = HEX[r.sha256[i] & 15]; }
        g.writeFieldName("sha256"); g.writeString(hex, 0, 64);
        if (r.kept != null) { g.writeFieldName("body"); g.writeUTF8String(r.kept, 0, r.keptLen); }
        g.writeEndObject();
    }

    private static void headers(JsonGenerator g, String name, String[] h) throws IOException {
        g.writeFieldName(name);
        g.writeStartObject();
        for (int i = 0; i < h.length; i += 2) g.writeStringField(h[i], h[i + 1]);  // spike: duplicate names not merged
        g.writeEndObject();
    }

    void close() {
        stop = true; LockSupport.unpark(writer);
        try { writer.join(2000); file.force(false); } catch (Exception ignored) { }
        System.err.println("audit: offered " + offered + ", written " + written + ", dropped " + dropped + " (queue/budget full)");
    }
}
