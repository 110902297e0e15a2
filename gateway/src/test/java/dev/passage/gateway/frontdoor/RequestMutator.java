package dev.passage.gateway.frontdoor;

import static dev.passage.gateway.frontdoor.WireBytes.latin1;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Valid HTTP/1.x requests, and seeded byte-level mutations of them; case {@code i} of seed {@code s} is always the same bytes. */
final class RequestMutator {

  private static final String H = "Host: fuzz.test\r\n";
  private static final byte[] SPECIAL = {'\r', '\n', 0, ' ', '\t', (byte) 0x80, (byte) 0xff};

  static final List<byte[]> SEEDS = seeds();

  private RequestMutator() {}

  private static List<byte[]> seeds() {
    String json = "{\"a\":[1,2,3],\"b\":\"x\"}";
    StringBuilder many = new StringBuilder("GET /many HTTP/1.1\r\n" + H);
    for (int i = 0; i < 40; i++) {
      many.append("X-Header-").append(i).append(": value-").append(i).append("\r\n");
    }
    many.append("\r\n");
    List<String> s = List.of(
        "GET /search?q=a%20b&x=1 HTTP/1.1\r\n" + H + "User-Agent: fuzz/1\r\nAccept: */*\r\n\r\n",
        "POST /submit HTTP/1.1\r\n" + H + "Content-Type: application/json\r\nContent-Length: " + json.length()
            + "\r\n\r\n" + json,
        "POST /upload HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
            + "5;name=val\r\nhello\r\n7;q=\"a b\"\r\n, world\r\n0\r\nX-Sum: 12\r\n\r\n",
        "GET http://fuzz.test/abs/path?q=1 HTTP/1.1\r\nHost: other.test\r\n\r\n",
        "GET /old HTTP/1.0\r\nUser-Agent: fuzz/1\r\n\r\n",
        "POST /expect HTTP/1.1\r\n" + H + "Expect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
        many.toString(),
        "GET /one HTTP/1.1\r\n" + H + "\r\nGET /two?x=2 HTTP/1.1\r\n" + H + "\r\n",
        "POST /first HTTP/1.1\r\n" + H + "Content-Length: 3\r\n\r\nabcGET /second HTTP/1.1\r\n" + H + "\r\n",
        "OPTIONS * HTTP/1.1\r\n" + H + "\r\n",
        "GET /a/./b/../c/%7Euser/%2f?x=%2F&y HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n",
        "DELETE /items/1 HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Length: 0\r\n\r\n");
    List<byte[]> out = new ArrayList<>();
    s.forEach(r -> out.add(latin1(r)));
    return List.copyOf(out);
  }

  static byte[] forCase(long seed, int index) {
    Random r = new Random(seed ^ (0x9E3779B97F4A7C15L * (index + 1)));
    byte[] b = SEEDS.get(r.nextInt(SEEDS.size()));
    int mutations = 1 + r.nextInt(3);
    for (int i = 0; i < mutations; i++) {
      b = mutate(b, r);
    }
    return b;
  }

  private static byte[] mutate(byte[] b, Random r) {
    if (b.length == 0) {
      return SEEDS.get(r.nextInt(SEEDS.size()));
    }
    int at = r.nextInt(b.length);
    switch (r.nextInt(11)) {
      case 0: { // flip one bit
        byte[] c = b.clone();
        c[at] ^= (byte) (1 << r.nextInt(8));
        return c;
      }
      case 1:
        return insert(b, at, new byte[] {(byte) r.nextInt(256)});
      case 2:
        return delete(b, at, 1 + r.nextInt(3));
      case 3:
        return insert(b, at, new byte[] {SPECIAL[r.nextInt(SPECIAL.length)]});
      case 4:
        return insert(b, lineStart(b, at), lineAt(b, at)); // duplicate a line
      case 5: { // drop a line
        int start = lineStart(b, at);
        return delete(b, start, lineAt(b, at).length);
      }
      case 6:
        return changeLengthDigit(b, r);
      case 7: { // swap the case of a run of letters
        byte[] c = b.clone();
        for (int i = at; i < Math.min(c.length, at + 1 + r.nextInt(8)); i++) {
          if (Character.isLetter(c[i] & 0xff) && (c[i] & 0xff) < 0x80) {
            c[i] ^= 0x20;
          }
        }
        return c;
      }
      case 8:
        return Arrays.copyOf(b, at); // truncate
      case 9: { // splice: this one's start, another's end
        byte[] other = SEEDS.get(r.nextInt(SEEDS.size()));
        int from = r.nextInt(other.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, at);
        out.write(other, from, other.length - from);
        return out.toByteArray();
      }
      default: // replace a byte with a special one
        byte[] c = b.clone();
        c[at] = SPECIAL[r.nextInt(SPECIAL.length)];
        return c;
    }
  }

  /** Changes one digit of a Content-Length value or of a chunk-size line; a random byte flip when there is none. */
  private static byte[] changeLengthDigit(byte[] b, Random r) {
    List<Integer> digits = new ArrayList<>();
    String text = WireBytes.text(b);
    int lineStart = 0;
    while (lineStart < text.length()) {
      int end = text.indexOf("\r\n", lineStart);
      end = end < 0 ? text.length() : end;
      String line = text.substring(lineStart, end);
      boolean contentLength = line.regionMatches(true, 0, "content-length:", 0, 15);
      boolean chunkSize = line.matches("[0-9A-Fa-f]+(;.*)?");
      if (contentLength || chunkSize) {
        for (int i = contentLength ? 15 : 0; i < line.length() && line.charAt(i) != ';'; i++) {
          if (Character.digit(line.charAt(i), 16) >= 0) {
            digits.add(lineStart + i);
          }
        }
      }
      lineStart = end + 2;
    }
    byte[] c = b.clone();
    if (digits.isEmpty()) {
      c[r.nextInt(c.length)] ^= 1;
      return c;
    }
    c[digits.get(r.nextInt(digits.size()))] = (byte) "0123456789abcdefF".charAt(r.nextInt(17));
    return c;
  }

  private static int lineStart(byte[] b, int at) {
    int i = at;
    while (i > 0 && b[i - 1] != '\n') {
      i--;
    }
    return i;
  }

  /** The whole line containing {@code at}, with its LF if it has one. */
  private static byte[] lineAt(byte[] b, int at) {
    int start = lineStart(b, at);
    int end = at;
    while (end < b.length && b[end] != '\n') {
      end++;
    }
    return Arrays.copyOfRange(b, start, Math.min(b.length, end + 1));
  }

  private static byte[] insert(byte[] b, int at, byte[] what) {
    byte[] c = new byte[b.length + what.length];
    System.arraycopy(b, 0, c, 0, at);
    System.arraycopy(what, 0, c, at, what.length);
    System.arraycopy(b, at, c, at + what.length, b.length - at);
    return c;
  }

  private static byte[] delete(byte[] b, int at, int n) {
    int end = Math.min(b.length, at + n);
    byte[] c = new byte[b.length - (end - at)];
    System.arraycopy(b, 0, c, 0, at);
    System.arraycopy(b, end, c, at, b.length - end);
    return c;
  }
}
