package dev.passage.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * {@code passage audit verify FILE... [--public-key PEM] [--anchor FILE]}: checks the hash chain of
 * a trail (records' hashes, links and seq numbers across rotated and gzipped generations, given in
 * any order), its checkpoints' signatures, and with an anchor that no tail was cut after a
 * checkpoint. Prints one line: {@code intact: …}, {@code TAMPERED <what> <file>:<line> stream=… seq=…:
 * …} for the first bad place, or {@code unusable: …}.
 */
public final class AuditVerify {

  public static final int EXIT_INTACT = 0;
  public static final int EXIT_TAMPERED = 1;
  public static final int EXIT_UNUSABLE = 2;
  /** Anchor checkpoints held in memory at most (one per 10,000 records by default: 10^10 records). */
  static final int MAX_ANCHOR_CHECKPOINTS = 1_000_000;

  private AuditVerify() {}

  public static int run(List<Path> files, Path publicKey, Path anchorFile, PrintStream out) {
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
    Map<String, PublicKey> keys = null;
    Map<String, NavigableMap<Long, Checkpoint>> anchor = new HashMap<>();
    try {
      if (publicKey != null) {
        keys = new HashMap<>();
        for (PublicKey k : Ed25519Keys.readPublic(publicKey)) {
          keys.put(Ed25519Keys.keyId(k), k);
        }
      }
      if (anchorFile != null) {
        TrailFinding bad = readAnchor(anchorFile, keys, anchor);
        if (bad != null) {
          out.println(AuditTail.printable(bad.describe()));
          return EXIT_TAMPERED;
        }
      }
    } catch (IOException e) {
      out.println(AuditTail.printable("unusable: " + e.getMessage()));
      return EXIT_UNUSABLE;
    }
    ChainVerifier verifier = new ChainVerifier(keys, anchor);
    TrailFinding finding;
    long started = System.nanoTime();
    long bytes;
    long unterminated;
    try (TrailReader trail = new TrailReader(TrailFiles.inWriteOrder(files))) {
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
      out.println("unusable: no chained records in the files given (records are chained only when written through "
          + "audit.spool)");
      return EXIT_UNUSABLE;
    }
    if (finding != null) {
      out.println(AuditTail.printable(finding.describe()));
      return EXIT_TAMPERED;
    }
    long millis = Math.max(1, (System.nanoTime() - started) / 1_000_000);
    out.println(AuditTail.printable("intact: " + verifier.records + " records in " + verifier.streams().size()
        + " stream(s) " + verifier.streams().keySet().stream().sorted().toList() + ", " + verifier.duplicates
        + " replayed duplicates, " + verifier.tornWrites + " torn writes, " + verifier.checkpoints + " checkpoints"
        + (keys == null ? " (signatures NOT checked: no --public-key)" : " (signatures verified)")
        + (anchorFile == null ? "" : ", anchor matched") + "; " + bytes / 1024 / 1024 + " MiB in " + millis + " ms"));
    if (unterminated > 0) {
      out.println("note: the last file ends with " + unterminated + " bytes without a newline (a write in progress); "
          + "not verified");
    }
    for (String s : verifier.anchorStreamsNotSeen()) {
      out.println(AuditTail.printable("note: the anchor has stream " + s + ", which has no records in these files "
          + "(another sink's?); not checked"));
    }
    return EXIT_INTACT;
  }

  /** Loads the anchor's checkpoints (verifying signatures when keys are given); a finding when one is bad. */
  private static TrailFinding readAnchor(Path file, Map<String, PublicKey> keys,
      Map<String, NavigableMap<Long, Checkpoint>> into) throws IOException {
    int n = 0;
    try (TrailReader r = new TrailReader(List.of(file))) {
      for (TrailLine l = r.next(); l != null; l = r.next()) {
        if (l.kind() != TrailLine.Kind.CHECKPOINT) {
          throw new IOException("anchor " + file + " line " + l.line() + " is not a checkpoint");
        }
        if (++n > MAX_ANCHOR_CHECKPOINTS) {
          throw new IOException("anchor " + file + " holds more than " + MAX_ANCHOR_CHECKPOINTS + " checkpoints");
        }
        Checkpoint c = l.checkpoint();
        if (keys != null && !keys.containsKey(c.keyId())) {
          return new TrailFinding(Tampering.UNKNOWN_KEY, l.file(), l.line(), c.stream(), c.seq(),
              "anchor checkpoint signed by key " + c.keyId() + ", which is not among the public keys given");
        }
        if (keys != null && !c.signedBy(keys.get(c.keyId()))) {
          return new TrailFinding(Tampering.BAD_SIGNATURE, l.file(), l.line(), c.stream(), c.seq(),
              "the anchor checkpoint's signature does not verify with key " + c.keyId());
        }
        into.computeIfAbsent(c.stream(), k -> new TreeMap<>()).put(c.seq(), c);
      }
    }
    return null;
  }
}
