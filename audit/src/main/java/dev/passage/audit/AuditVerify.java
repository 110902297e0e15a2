package dev.passage.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * {@code passage audit verify FILE... [--public-key PEM]... [--anchor FILE|URL [--anchor-token T]]}:
 * checks the hash chain of a trail (records' hashes, links and seq numbers across rotated and
 * gzipped generations, given in any order), its checkpoints' signatures (with every key the trail
 * was signed with across rotations), and with an anchor (a file, a saved {@code /audit/head} answer
 * or that endpoint itself) that no tail was cut after a checkpoint. Prints one line: {@code intact:
 * …}, {@code TAMPERED <what> <file>:<line> stream=… seq=…: …} for the first bad place, or {@code
 * unusable: …}.
 */
public final class AuditVerify {

  public static final int EXIT_INTACT = 0;
  public static final int EXIT_TAMPERED = 1;
  public static final int EXIT_UNUSABLE = 2;
  /** Anchor checkpoints held in memory at most (one per 10,000 records by default: 10^10 records). */
  static final int MAX_ANCHOR_CHECKPOINTS = 1_000_000;

  private AuditVerify() {}

  /** One key file (or none), a file anchor (or none). */
  public static int run(List<Path> files, Path publicKey, Path anchorFile, PrintStream out) {
    return run(files, publicKey == null ? List.of() : List.of(publicKey),
        anchorFile == null ? null : anchorFile.toString(), null, out);
  }

  /**
   * @param publicKeys  PEM files, each with one or more public keys; empty: signatures are not checked
   * @param anchor      an anchor file, a saved {@code /audit/head} answer, an http(s) URL of {@code
   *                    /audit/head}, or null
   * @param anchorToken the admin token sent as a bearer token to an http(s) anchor, or null
   */
  public static int run(List<Path> files, List<Path> publicKeys, String anchor, String anchorToken, PrintStream out) {
    if (files.isEmpty()) {
      out.println("unusable: no files given");
      return EXIT_UNUSABLE;
    }
    for (Path f : files) {
      if (!Files.isRegularFile(f) || !Files.isReadable(f)) {
        out.println("unusable: cannot read " + f);
        return EXIT_UNUSABLE;
      }
    }
    return verify(() -> new TrailReader(TrailFiles.inWriteOrder(files)), publicKeys, anchor, anchorToken, null, out);
  }

  /**
   * A trail that is not files (a Kafka topic, read partition after partition), verified exactly as
   * files are: the same findings and exit codes, places named by the source.
   *
   * @param anchorSource checkpoints read from a source (a Kafka anchor topic), or null; not with {@code anchor}
   */
  public static int run(TrailSource trail, List<Path> publicKeys, String anchor, String anchorToken,
      TrailSource anchorSource, PrintStream out) {
    if (anchor != null && anchorSource != null) {
      out.println("unusable: give one anchor, not two");
      return EXIT_UNUSABLE;
    }
    return verify(() -> new SourceLines(trail), publicKeys, anchor, anchorToken, anchorSource, out);
  }

  /** Opens the trail's lines (files are opened lazily, a source may connect). */
  @FunctionalInterface
  private interface Opener {
    TrailLines open() throws IOException;
  }

  private static int verify(Opener trailLines, List<Path> publicKeys, String anchor, String anchorToken,
      TrailSource anchorSource, PrintStream out) {
    Map<String, PublicKey> keys = null;
    Map<String, NavigableMap<Long, Checkpoint>> anchored = new HashMap<>();
    int cutAnchorLines = 0;
    try {
      if (!publicKeys.isEmpty()) {
        keys = new LinkedHashMap<>();
        for (Path file : publicKeys) {
          for (PublicKey k : Ed25519Keys.readPublic(file)) {
            keys.put(Ed25519Keys.keyId(k), k);
          }
        }
      }
      if (anchor != null || anchorSource != null) {
        AnchorReader.Anchor read = anchorSource != null ? AnchorReader.read(anchorSource)
            : AnchorReader.read(anchor, anchorToken);
        cutAnchorLines = read.cutLines();
        TrailFinding bad = checkAnchor(read.entries(), keys, anchored);
        if (bad != null) {
          out.println(AuditTail.printable(bad.describe()));
          return EXIT_TAMPERED;
        }
      } else if (anchorToken != null) {
        out.println("unusable: --anchor-token needs an http(s) --anchor");
        return EXIT_UNUSABLE;
      }
    } catch (IOException e) {
      out.println(AuditTail.printable("unusable: " + e.getMessage()));
      return EXIT_UNUSABLE;
    }
    ChainVerifier verifier = new ChainVerifier(keys, anchored);
    TrailFinding finding;
    long started = System.nanoTime();
    long bytes;
    long unterminated;
    try (TrailLines trail = trailLines.open()) {
      try {
        finding = verifier.verify(trail);
      } catch (TrailReader.DamagedFileException e) {
        finding = new TrailFinding(Tampering.EDITED, e.file, e.line, "-", 0, "the compressed file is damaged: "
            + e.getCause().getMessage());
      }
      bytes = trail.bytesRead();
      unterminated = trail.unterminatedBytes();
    } catch (IOException e) {
      out.println(AuditTail.printable("unusable: " + e.getMessage()));
      return EXIT_UNUSABLE;
    }
    if (verifier.records == 0 && (finding == null || finding.detail().contains("no hash"))) {
      out.println("unusable: no chained records in the trail given (records are chained only when written through "
          + "audit.spool)");
      return EXIT_UNUSABLE;
    }
    if (finding != null) {
      out.println(AuditTail.printable(finding.describe()));
      return EXIT_TAMPERED;
    }
    long millis = Math.max(1, (System.nanoTime() - started) / 1_000_000);
    boolean anchorGiven = anchor != null || anchorSource != null;
    out.println(AuditTail.printable("intact: " + verifier.records + " records in " + verifier.streams().size()
        + " stream(s) " + verifier.streams().keySet().stream().sorted().toList() + ", " + verifier.duplicates
        + " replayed duplicates, " + verifier.tornWrites + " torn writes, " + verifier.checkpoints + " checkpoints"
        + (keys == null ? " (signatures NOT checked: no --public-key)" : " (signatures verified)")
        + (anchorGiven ? ", anchor matched" : "") + "; " + bytes / 1024 / 1024 + " MiB in " + millis + " ms"));
    if (unterminated > 0) {
      out.println("note: the last file ends with " + unterminated + " bytes without a newline (a write in progress); "
          + "not verified");
    }
    if (cutAnchorLines > 0) {
      out.println("note: the anchor holds " + cutAnchorLines + " checkpoint line(s) cut short (an append a crash "
          + "interrupted); skipped");
    }
    for (String s : verifier.anchorStreamsNotSeen()) {
      out.println(AuditTail.printable("note: the anchor has stream " + s + ", which has no records in this trail "
          + "(another sink's?); not checked"));
    }
    return EXIT_INTACT;
  }

  /** Keeps the anchor's checkpoints (verifying signatures when keys are given); a finding when one is bad. */
  private static TrailFinding checkAnchor(List<AnchorReader.Entry> entries, Map<String, PublicKey> keys,
      Map<String, NavigableMap<Long, Checkpoint>> into) {
    for (AnchorReader.Entry e : entries) {
      Checkpoint c = e.checkpoint();
      if (keys != null && !keys.containsKey(c.keyId())) {
        return new TrailFinding(Tampering.UNKNOWN_KEY, e.file(), e.line(), c.stream(), c.seq(),
            e.where() + " signed by key " + c.keyId() + ", which is not among the public keys given " + keys.keySet());
      }
      if (keys != null && !c.signedBy(keys.get(c.keyId()))) {
        return new TrailFinding(Tampering.BAD_SIGNATURE, e.file(), e.line(), c.stream(), c.seq(),
            "the " + e.where() + "'s signature does not verify with key " + c.keyId());
      }
      into.computeIfAbsent(c.stream(), k -> new TreeMap<>()).put(c.seq(), c);
    }
    return null;
  }
}
