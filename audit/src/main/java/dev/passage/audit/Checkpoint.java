package dev.passage.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * A signed statement that record {@code seq} of {@code stream} has hash {@code hash}, written as
 * {@code {"type":"checkpoint","stream":S,"seq":N,"hash":H,"time":T,"key_id":K,"sig":B}}. Checkpoints are
 * not links of the chain: they attest its head. The signature (Ed25519, base64) is over the line
 * without its newline and without its last member {@code ,"sig":"…"}, followed by {@code }} — the
 * same rule as a record's hash.
 *
 * @param signed the signed bytes (see above)
 */
public record Checkpoint(String stream, long seq, String hash, String time, String keyId, String sig, byte[] signed) {

  static final String NOT_JSON = "not JSON";
  private static final byte[] SIG_MEMBER = ",\"sig\":\"".getBytes(StandardCharsets.US_ASCII);
  /** The values a checkpoint's members can hold, so that one rebuilt from its members is the line that was signed. */
  private static final Pattern STREAM = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{1,64}");
  private static final Pattern TIME = Pattern.compile("[0-9TZ:.+-]{1,40}");
  private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/=]{1,200}");
  /** How far from its end {@link #lastInFile} looks: hundreds of checkpoint lines. */
  private static final int TAIL_BYTES = 64 * 1024;

  /** The checkpoint line (ending with {@code '\n'}) for {@code head}, signed with {@code key}. */
  static byte[] line(ChainHead head, String time, String keyId, PrivateKey key) {
    byte[] unsigned = ("{\"type\":\"checkpoint\",\"stream\":\"" + head.stream() + "\",\"seq\":" + head.seq()
        + ",\"hash\":\"" + head.hash() + "\",\"time\":\"" + time + "\",\"key_id\":\"" + keyId + "\"}")
        .getBytes(StandardCharsets.US_ASCII);
    String sig;
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(unsigned);
      sig = Base64.getEncoder().encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a checkpoint with key " + keyId, e);
    }
    String line = new String(unsigned, 0, unsigned.length - 1, StandardCharsets.US_ASCII) + ",\"sig\":\"" + sig + "\"}\n";
    return line.getBytes(StandardCharsets.US_ASCII);
  }

  /** Parses a checkpoint line (without its newline); throws IllegalArgumentException saying what is wrong. */
  static Checkpoint parse(byte[] line) {
    JsonNode n;
    try {
      n = TrailLine.json(line);
    } catch (IOException e) {
      throw new IllegalArgumentException(NOT_JSON);
    }
    int cut = lastIndexOf(line, SIG_MEMBER);
    if (n == null || !n.isObject() || cut < 0 || line[line.length - 1] != '}') {
      throw new IllegalArgumentException("not a checkpoint object ending with its sig");
    }
    byte[] signed = Arrays.copyOf(line, cut + 1);
    signed[cut] = '}';
    for (String f : new String[] {"stream", "hash", "time", "key_id", "sig"}) {
      if (!n.path(f).isTextual()) {
        throw new IllegalArgumentException("'" + f + "' must be a string");
      }
    }
    if (!n.path("seq").isIntegralNumber() || n.get("seq").asLong() < 1) {
      throw new IllegalArgumentException("'seq' must be an integer >= 1");
    }
    return new Checkpoint(n.get("stream").textValue(), n.get("seq").asLong(), n.get("hash").textValue(),
        n.get("time").textValue(), n.get("key_id").textValue(), n.get("sig").textValue(), signed);
  }

  /**
   * A checkpoint given as a JSON object (as {@code /audit/head} serves it, perhaps re-formatted when
   * saved): its line is rebuilt from the members in the writer's order and form, the bytes that were
   * signed. Throws IllegalArgumentException when a member is missing or holds what no checkpoint holds.
   */
  static Checkpoint fromJson(JsonNode n) {
    if (n == null || !n.isObject() || !"checkpoint".equals(n.path("type").textValue())) {
      throw new IllegalArgumentException("not an object with \"type\":\"checkpoint\"");
    }
    String stream = member(n, "stream", STREAM);
    String hash = member(n, "hash", HEX);
    String time = member(n, "time", TIME);
    String keyId = member(n, "key_id", HEX);
    String sig = member(n, "sig", BASE64);
    if (!n.path("seq").isIntegralNumber() || n.get("seq").asLong() < 1) {
      throw new IllegalArgumentException("'seq' must be an integer >= 1");
    }
    String line = "{\"type\":\"checkpoint\",\"stream\":\"" + stream + "\",\"seq\":" + n.get("seq").asLong() + ",\"hash\":\""
        + hash + "\",\"time\":\"" + time + "\",\"key_id\":\"" + keyId + "\",\"sig\":\"" + sig + "\"}";
    return parse(line.getBytes(StandardCharsets.US_ASCII));
  }

  private static String member(JsonNode n, String name, Pattern allowed) {
    String v = n.path(name).textValue();
    if (v == null || !allowed.matcher(v).matches()) {
      throw new IllegalArgumentException("'" + name + "' must be a string of " + allowed.pattern());
    }
    return v;
  }

  /**
   * The last whole checkpoint line of an anchor file (a trailing fragment a crash left is skipped), or
   * null when the file does not exist or its tail holds none. Reads only the file's last 64 KiB.
   */
  public static Checkpoint lastInFile(Path file) throws IOException {
    if (!java.nio.file.Files.exists(file)) {
      return null;
    }
    byte[] tail;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long from = Math.max(0, ch.size() - TAIL_BYTES);
      ByteBuffer b = ByteBuffer.allocate((int) (ch.size() - from));
      while (b.hasRemaining() && ch.read(b, from + b.position()) >= 0) {
        // read to the end
      }
      tail = Arrays.copyOf(b.array(), b.position());
    }
    int end = tail.length;
    while (end > 0 && tail[end - 1] != '\n') {
      end--; // a fragment without its newline: a write a crash cut
    }
    while (end > 0) {
      int start = end - 1;
      while (start > 0 && tail[start - 1] != '\n') {
        start--;
      }
      byte[] line = Arrays.copyOfRange(tail, start, end - 1);
      try {
        return parse(line);
      } catch (IllegalArgumentException notACheckpoint) {
        end = start; // look further back
      }
    }
    return null;
  }

  /** Whether {@link #sig} is a valid Ed25519 signature of {@link #signed} by {@code key}. */
  boolean signedBy(PublicKey key) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(signed);
      return s.verify(Base64.getDecoder().decode(sig));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false; // not base64, or not a signature of the right shape: it does not verify
    }
  }

  private static int lastIndexOf(byte[] b, byte[] what) {
    for (int i = b.length - what.length; i >= 0; i--) {
      if (Arrays.equals(b, i, i + what.length, what, 0, what.length)) {
        return i;
      }
    }
    return -1;
  }
}
