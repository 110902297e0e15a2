package dev.passage.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the lines of a trail's files in the order given, gzip generations transparently, as parsed
 * {@link TrailLine}s with one line of lookahead ({@link #peek()}). Memory is bounded: a read buffer
 * and one line of at most {@link #MAX_LINE_BYTES} (a longer line makes the input unusable).
 */
final class TrailReader implements TrailLines {

  /** Larger than any record the spool takes with its default size (half of 1 GiB would be absurd for one line). */
  static final int MAX_LINE_BYTES = 256 * 1024 * 1024;
  private static final int READ_BYTES = 1 << 20;

  private final List<Path> files;
  private final MessageDigest sha256 = RecordChain.sha256();
  private final byte[] buf = new byte[READ_BYTES];
  private byte[] line = new byte[64 * 1024];
  private int pos;
  private int limit;
  private int fileIndex = -1;
  private InputStream in;
  private String fileName;
  private long lineNo;
  private TrailLine ahead;
  private boolean aheadRead;
  /** Where the trail ended: the last file and its number of lines. */
  private String lastFile;
  private long lastLine;
  /** Bytes of a last line without its newline at the very end: a write still in progress, not judged. */
  private long unterminatedBytes;
  private long bytesRead;
  /** The bytes of the last line if it was bad (bounded like any line), to tell a torn write from its replay. */
  private byte[] badBefore;

  TrailReader(List<Path> files) {
    this.files = files;
  }

  @Override
  public TrailLine next() throws IOException {
    TrailLine l = peek();
    aheadRead = false;
    ahead = null;
    return l;
  }

  @Override
  public TrailLine peek() throws IOException {
    if (!aheadRead) {
      ahead = read();
      aheadRead = true;
    }
    return ahead;
  }

  String lastFile() {
    return lastFile;
  }

  long lastLine() {
    return lastLine;
  }

  /** Files: a cut tail is named at the end of the last file, where the next line would have been. */
  @Override
  public String endPlace(StreamState s) {
    return lastFile;
  }

  @Override
  public long endLine(StreamState s) {
    return lastLine + 1;
  }

  @Override
  public long unterminatedBytes() {
    return unterminatedBytes;
  }

  @Override
  public long bytesRead() {
    return bytesRead;
  }

  private TrailLine read() throws IOException {
    while (true) {
      if (in == null && !openNext()) {
        return null;
      }
      int len = 0;
      while (true) {
        if (pos == limit && !fill()) {
          break;
        }
        int nl = indexOf(buf, pos, limit);
        int end = nl < 0 ? limit : nl;
        len = append(len, end - pos);
        pos = end;
        if (nl >= 0) {
          pos++;
          lineNo++;
          lastLine = lineNo;
          return remembered(TrailLine.parse(line, len, fileName, lineNo, sha256), len);
        }
      }
      // End of this file.
      closeCurrent();
      if (len > 0) {
        lineNo++;
        if (fileIndex == files.size() - 1) {
          unterminatedBytes = len; // the writer may be part-way through it
          return null;
        }
        lastLine = lineNo;
        return remembered(TrailLine.bad(fileName, lineNo, "cut short: the file ends inside this line"), len);
      }
    }
  }

  private TrailLine remembered(TrailLine l, int len) {
    byte[] before = badBefore;
    badBefore = l.kind() == TrailLine.Kind.BAD ? Arrays.copyOf(line, len) : null;
    if (before != null && l.kind() == TrailLine.Kind.RECORD && before.length < len
        && Arrays.equals(line, 0, before.length, before, 0, before.length)) {
      return l.extendingPrevious();
    }
    return l;
  }

  private boolean openNext() throws IOException {
    if (fileIndex + 1 >= files.size()) {
      return false;
    }
    Path p = files.get(++fileIndex);
    fileName = p.toString();
    lastFile = fileName;
    lineNo = 0;
    lastLine = 0;
    InputStream raw = Files.newInputStream(p);
    in = p.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
    pos = 0;
    limit = 0;
    return true;
  }

  private boolean fill() throws IOException {
    int n;
    try {
      n = in.readNBytes(buf, 0, buf.length);
    } catch (ZipException | java.io.EOFException e) {
      throw new DamagedFileException(fileName, lineNo + 1, e);
    }
    bytesRead += n;
    pos = 0;
    limit = n;
    return n > 0;
  }

  private int append(int len, int n) throws IOException {
    if (len + n > line.length) {
      if (len + n > MAX_LINE_BYTES) {
        throw new IOException(fileName + ":" + (lineNo + 1) + ": a line longer than " + MAX_LINE_BYTES + " bytes");
      }
      line = Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, Math.max(len + n, line.length * 2)));
    }
    System.arraycopy(buf, pos, line, len, n);
    return len + n;
  }

  private static int indexOf(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void closeCurrent() throws IOException {
    if (in != null) {
      in.close();
      in = null;
    }
  }

  @Override
  public void close() throws IOException {
    closeCurrent();
  }

  /** A compressed generation that does not decompress: its bytes were changed or cut. */
  static final class DamagedFileException extends IOException {
    final String file;
    final long line;

    DamagedFileException(String file, long line, IOException cause) {
      super(file + " does not decompress from line " + line + " on: " + cause.getMessage(), cause);
      this.file = file;
      this.line = line;
    }
  }
}
