package dev.passage.audit;

import java.io.IOException;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Walks a trail's lines in write order and returns the first bad place, or null when the chain is
 * intact. What happened is told from the line at fault and the one after it: a bad line between two
 * records that link to each other was inserted, otherwise it was edited; a seq gap whose missing seq
 * comes next is a reordering, otherwise a deletion; a link to a hash other than its predecessor's
 * means the predecessor was changed and re-hashed. Only a checkpoint (or the anchor) catches a chain
 * re-hashed from some record to its end; see docs/audit-record.md.
 */
final class ChainVerifier {

  /** Public keys by key id; null: checkpoint signatures are not checked. */
  private final Map<String, PublicKey> keys;
  /** The anchor's checkpoints: stream to seq to hash; empty without an anchor. */
  private final Map<String, NavigableMap<Long, Checkpoint>> anchor;
  private final Map<String, StreamState> streams = new HashMap<>();
  private TrailLine last;
  long records;
  long duplicates;
  long checkpoints;
  /** Fragments of a write cut by a crash, each followed by a replay that repeats what it held. */
  long tornWrites;

  ChainVerifier(Map<String, PublicKey> keys, Map<String, NavigableMap<Long, Checkpoint>> anchor) {
    this.keys = keys;
    this.anchor = anchor;
  }

  Map<String, StreamState> streams() {
    return streams;
  }

  TrailFinding verify(TrailLines trail) throws IOException {
    for (TrailLine l = trail.next(); l != null; l = trail.next()) {
      TrailFinding f = switch (l.kind()) {
        case BAD -> bad(l, trail.peek());
        case CHECKPOINT -> checkpoint(l, l.checkpoint());
        case RECORD -> record(l, trail.peek());
      };
      if (f != null) {
        return f;
      }
    }
    return truncatedAgainstAnchor(trail);
  }

  /**
   * A line that is not a valid link: inserted when its neighbours link to each other, else edited;
   * but a fragment followed by a replay (records repeated exactly, from before the fragment) is the
   * torn write of a crash, which the replay makes whole: noted, not reported.
   */
  private TrailFinding bad(TrailLine l, TrailLine next) {
    boolean replayFollows = last != null && next != null && next.kind() == TrailLine.Kind.RECORD
        && next.stream().equals(last.stream()) && next.seq() <= last.seq()
        && next.hash().equals(streams.get(next.stream()).hashOf(next.seq()));
    if (replayFollows || next != null && next.extendsPrevious()) {
      // The next line is checked as any record; this one held nothing the trail does not hold whole.
      tornWrites++;
      return null;
    }
    long expected = last == null ? 1 : last.seq() + 1;
    String prevHash = last == null ? ChainHead.GENESIS : last.hash();
    String stream = last == null ? "-" : last.stream();
    if (next != null && next.kind() == TrailLine.Kind.RECORD && next.seq() == expected && next.prev().equals(prevHash)
        && (last == null || next.stream().equals(last.stream()))) {
      return new TrailFinding(Tampering.INSERTED, l.file(), l.line(), next.stream(), expected,
          "this line is not part of the chain (" + l.problem() + "), and the records around it link to each other");
    }
    return new TrailFinding(Tampering.EDITED, l.file(), l.line(), stream, expected,
        "the record here was changed: " + l.problem());
  }

  private TrailFinding record(TrailLine r, TrailLine next) {
    StreamState s = streams.get(r.stream());
    TrailFinding f = s == null ? first(r) : follow(s, r, next);
    if (f != null) {
      return f;
    }
    records++;
    last = r;
    return againstAnchor(r);
  }

  private TrailFinding first(TrailLine r) {
    if (r.seq() != 1 || !r.prev().equals(ChainHead.GENESIS)) {
      return new TrailFinding(Tampering.DELETED, r.file(), r.line(), r.stream(), 1, "the first record of the stream in "
          + "these files is seq " + r.seq() + ": seq 1 to " + (r.seq() - 1) + " are missing (an older file deleted?)");
    }
    StreamState s = new StreamState(r.stream());
    streams.put(r.stream(), s);
    s.saw(r);
    return null;
  }

  private TrailFinding follow(StreamState s, TrailLine r, TrailLine next) {
    long seq = r.seq();
    if (seq == s.cur + 1 && seq > s.max) {
      if (!r.prev().equals(s.curHash)) {
        if (next != null && next.kind() == TrailLine.Kind.RECORD && next.seq() == seq && next.prev().equals(s.curHash)) {
          return new TrailFinding(Tampering.INSERTED, r.file(), r.line(), r.stream(), seq,
              "a forged record claims seq " + seq + "; the next line is the real one");
        }
        return new TrailFinding(Tampering.EDITED, s.curFile, s.curLine, r.stream(), s.cur, "seq " + s.cur
            + " was changed and re-hashed: seq " + seq + " links to a different hash");
      }
      s.saw(r);
      return null;
    }
    if (seq <= s.max && seq >= 1 && seq <= s.cur + 1) {
      // A repeat: a replay after a crash repeats earlier records byte for byte.
      String seen = s.hashOf(seq);
      if (seen != null && seen.equals(r.hash())) {
        duplicates++;
        s.saw(r);
        return null;
      }
      boolean earlierHere = seq == s.cur;
      return new TrailFinding(Tampering.INSERTED, earlierHere ? s.curFile : r.file(), earlierHere ? s.curLine : r.line(),
          r.stream(), seq, seen == null
              ? "seq " + seq + " repeats further back than verify can compare (" + StreamState.WINDOW + " records)"
              : "two different records claim seq " + seq);
    }
    if (seq > s.cur + 1) {
      if (next != null && next.kind() == TrailLine.Kind.RECORD && next.stream().equals(r.stream())
          && next.seq() == s.cur + 1) {
        return new TrailFinding(Tampering.REORDERED, r.file(), r.line(), r.stream(), seq,
            "seq " + seq + " comes before seq " + (s.cur + 1));
      }
      return new TrailFinding(Tampering.DELETED, r.file(), r.line(), r.stream(), s.cur + 1, "seq " + (s.cur + 1)
          + (seq - 1 > s.cur + 1 ? " to " + (seq - 1) : "") + " missing before this line (seq " + seq + ")");
    }
    return new TrailFinding(Tampering.REORDERED, r.file(), r.line(), r.stream(), seq,
        "seq " + seq + " comes after seq " + s.cur + " but is not a replay of it");
  }

  private TrailFinding checkpoint(TrailLine l, Checkpoint c) {
    if (keys != null) {
      PublicKey key = keys.get(c.keyId());
      if (key == null) {
        return new TrailFinding(Tampering.UNKNOWN_KEY, l.file(), l.line(), c.stream(), c.seq(),
            "checkpoint signed by key " + c.keyId() + ", which is not among the public keys given " + keys.keySet()
                + " (a key rotation: give every key's public half, --public-key once each)");
      }
      if (!c.signedBy(key)) {
        return new TrailFinding(Tampering.BAD_SIGNATURE, l.file(), l.line(), c.stream(), c.seq(),
            "the checkpoint's signature does not verify with key " + c.keyId());
      }
    }
    StreamState s = streams.get(c.stream());
    if (s == null || c.seq() > s.max) {
      long from = s == null ? 1 : s.max + 1;
      return new TrailFinding(Tampering.DELETED, l.file(), l.line(), c.stream(), from, "the checkpoint attests seq "
          + c.seq() + " but the records before it end at seq " + (from - 1));
    }
    String seen = s.hashOf(c.seq());
    if (seen != null && !seen.equals(c.hash())) {
      return new TrailFinding(Tampering.EDITED, l.file(), l.line(), c.stream(), c.seq(), "the checkpoint attests a "
          + "different hash for seq " + c.seq() + ": records up to it were changed and re-hashed");
    }
    checkpoints++;
    return null;
  }

  private TrailFinding againstAnchor(TrailLine r) {
    NavigableMap<Long, Checkpoint> a = anchor.get(r.stream());
    Checkpoint c = a == null ? null : a.get(r.seq());
    if (c != null && !c.hash().equals(r.hash())) {
      return new TrailFinding(Tampering.EDITED, r.file(), r.line(), r.stream(), r.seq(), "the anchor's checkpoint "
          + "attests a different hash for seq " + r.seq() + ": the chain was re-hashed from here or before");
    }
    return null;
  }

  private TrailFinding truncatedAgainstAnchor(TrailLines trail) {
    for (Map.Entry<String, NavigableMap<Long, Checkpoint>> e : anchor.entrySet()) {
      StreamState s = streams.get(e.getKey());
      Checkpoint newest = e.getValue().lastEntry().getValue();
      if (s != null && newest.seq() > s.max) {
        return new TrailFinding(Tampering.TRUNCATED, trail.endPlace(s), trail.endLine(s), s.stream, s.max + 1,
            "the anchor holds a checkpoint of seq " + newest.seq() + " (" + newest.time() + ") but the trail ends at seq "
                + s.max);
      }
    }
    return null;
  }

  /** Streams of the anchor with no record in the files given: not checked. */
  List<String> anchorStreamsNotSeen() {
    return anchor.keySet().stream().filter(k -> !streams.containsKey(k)).sorted().toList();
  }
}
