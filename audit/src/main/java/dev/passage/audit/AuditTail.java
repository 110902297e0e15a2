package dev.passage.audit;

import dev.passage.capture.RenderedBody;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * {@code passage audit tail FILE [--route R] [--status 5xx|404] [--follow]}: one human line per
 * matching record. Unparseable lines are reported and skipped. With follow it keeps reading what is
 * appended, polling every 200 ms, and follows the file across rotation, until the thread is
 * interrupted. Rotated {@code .gz} generations can be read (not followed).
 *
 * <p>Record strings come from requests, so everything printed goes through {@link #printable}:
 * a request cannot send escape sequences to the operator's terminal.
 */
public final class AuditTail {

  static final long POLL_MS = 200;
  public static final int EXIT_OK = 0;
  public static final int EXIT_UNREADABLE = 1;
  public static final int EXIT_USAGE = 2;

  private final RecordFilter filter;
  private final PrintStream out;
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private long lineNumber;

  /** Whether chain fields and checkpoints are shown ({@code --chain}); hidden by default. */
  private final boolean showChain;

  private AuditTail(RecordFilter filter, PrintStream out, boolean showChain) {
    this.filter = filter;
    this.out = out;
    this.showChain = showChain;
  }

  /** Prints the matching records of {@code file}; returns 0, 1 (cannot read the file) or 2 (bad arguments). */
  public static int run(Path file, String route, String status, boolean follow, PrintStream out) {
    return run(file, route, status, follow, false, out);
  }

  /** As above; with {@code showChain} each chained record shows its stream and seq, and checkpoints are printed. */
  public static int run(Path file, String route, String status, boolean follow, boolean showChain, PrintStream out) {
    RecordFilter filter;
    try {
      filter = RecordFilter.of(route, status);
    } catch (IllegalArgumentException e) {
      out.println("passage audit tail: " + printable(e.getMessage()));
      return EXIT_USAGE;
    }
    boolean gzip = file.getFileName().toString().endsWith(".gz");
    if (gzip && follow) {
      out.println(printable("passage audit tail: --follow does not apply to the rotated, compressed file " + file));
      return EXIT_USAGE;
    }
    AuditTail tail = new AuditTail(filter, out, showChain);
    try {
      if (gzip) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
          tail.consume(in);
        }
      } else if (follow) {
        tail.follow(file);
      } else {
        try (InputStream in = Files.newInputStream(file)) {
          tail.consume(in);
        }
      }
      tail.endOfInput();
      return EXIT_OK;
    } catch (NoSuchFileException e) {
      out.println(printable("passage audit tail: no such file " + file));
      return EXIT_UNREADABLE;
    } catch (IOException e) {
      out.println(printable("passage audit tail: cannot read " + file + ": " + e));
      return EXIT_UNREADABLE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return EXIT_OK; // interrupting is how follow mode is meant to end
    }
  }

  /** The human form of one record. */
  static String format(AuditRecord r) {
    StringBuilder s = new StringBuilder(160)
        .append(AuditRecordJson.formatTs(r.ts())).append(' ')
        .append(printable(r.id())).append(' ')
        .append(r.route() == null ? "-" : printable(r.route())).append(' ')
        .append(printable(r.requestMethod())).append(' ')
        .append(printable(r.requestUri())).append(" -> ")
        .append(r.responseStatus() == null ? "---" : r.responseStatus().toString()).append(' ')
        .append(r.outcome().wireName()).append(' ')
        .append(r.durationMs()).append("ms")
        .append(" in=").append(bytes(r.requestBody())).append(markers(r.requestBody()))
        .append(" out=").append(bytes(r.responseBody())).append(markers(r.responseBody()));
    if (r.error() != null) {
      s.append(" error=\"").append(printable(r.error())).append('"');
    }
    return s.toString();
  }

  private static String bytes(RenderedBody b) {
    return b == null ? "-" : b.bytes() + "B";
  }

  private static String markers(RenderedBody b) {
    if (b == null) {
      return "";
    }
    String m = b.truncated() ? "[truncated]" : "";
    return b.skipped() == null ? m : m + "[skipped:" + printable(b.skipped()) + "]";
  }

  /**
   * {@code text} with every character a terminal may act on written as an escape: C0 controls and
   * DEL as {@code \x1b} (backslash, x, two hex digits); C1 controls (U+0080..U+009F, which include
   * the one-character CSI) and Unicode format and separator characters (bidirectional overrides,
   * U+2028) as backslash, u, four hex digits. Backslashes are left as they are: the JSON file stays
   * the exact record.
   */
  static String printable(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder s = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String escape = escape(c);
      if (escape != null && s == null) {
        s = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (s != null) {
        s.append(escape == null ? String.valueOf(c) : escape);
      }
    }
    return s == null ? text : s.toString();
  }

  private static String escape(char c) {
    if (c < 0x20 || c == 0x7f) {
      return String.format("\\x%02x", (int) c);
    }
    int type = Character.getType(c);
    if (c >= 0x80 && c <= 0x9f || type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR) {
      return String.format("\\u%04x", (int) c);
    }
    return null;
  }

  private void follow(Path file) throws IOException, InterruptedException {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    while (true) {
      FileChannel ch;
      try {
        ch = FileChannel.open(file, StandardOpenOption.READ);
      } catch (NoSuchFileException notYet) {
        // Not created yet, or between rotation's rename and the fresh file: tail -F waits.
        Thread.sleep(POLL_MS);
        continue;
      }
      try (ch) {
        Object key = fileKey(file);
        long pos = 0;
        while (true) {
          pos = drain(ch, pos, buf);
          Thread.sleep(POLL_MS);
          if (!Objects.equals(key, fileKey(file))) {
            drain(ch, pos, buf); // lines appended just before the file was rotated away
            break;
          }
          if (ch.size() < pos) {
            pos = 0; // truncated in place: start over
          }
        }
      }
    }
  }

  private long drain(FileChannel ch, long pos, ByteBuffer buf) throws IOException {
    for (int n; (n = ch.read(buf.clear(), pos)) > 0; pos += n) {
      accept(buf.array(), n);
    }
    return pos;
  }

  private static Object fileKey(Path file) {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null; // between rotation's rename and the new file's creation
    }
  }

  private void consume(InputStream in) throws IOException {
    byte[] buf = new byte[64 * 1024];
    for (int n; (n = in.read(buf)) > 0; ) {
      accept(buf, n);
    }
  }

  private void accept(byte[] buf, int n) {
    int start = 0;
    for (int i = 0; i < n; i++) {
      if (buf[i] == '\n') {
        partial.write(buf, start, i - start);
        line(partial.toString(StandardCharsets.UTF_8));
        partial.reset();
        start = i + 1;
      }
    }
    partial.write(buf, start, n - start); // an incomplete line waits for the rest
  }

  private void endOfInput() {
    if (partial.size() > 0) {
      line(partial.toString(StandardCharsets.UTF_8));
      partial.reset();
    }
  }

  private void line(String text) {
    lineNumber++;
    if (text.isBlank()) {
      return;
    }
    if (ChainMarks.isCheckpoint(text)) {
      if (showChain) {
        out.println(printable(ChainMarks.checkpoint(text)));
      }
      return;
    }
    AuditRecord r;
    try {
      r = AuditRecordJson.fromLine(text);
    } catch (IllegalArgumentException e) {
      out.println("! line " + lineNumber + ": unparseable record (" + printable(e.getMessage()) + ")");
      return;
    }
    if (filter.matches(r)) {
      out.println(showChain ? format(r) + printable(ChainMarks.of(text)) : format(r));
    }
  }
}
