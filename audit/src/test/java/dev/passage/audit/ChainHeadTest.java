package dev.passage.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** A chain head read back from a cursor file is checked: a damaged one must not continue a stream. */
class ChainHeadTest {

  private static final String HASH = "0123456789abcdef".repeat(4);

  @Test
  void aWellFormedHeadIsTaken() {
    ChainHead head = new ChainHead("gw-1.example:a_b-c", 7, HASH);
    assertEquals(7, head.seq());
    assertEquals(ChainHead.GENESIS, ChainHead.fresh().hash());
    new ChainHead("s".repeat(128), 0, ChainHead.GENESIS);
  }

  @Test
  void aDamagedStreamOrHashIsRefused() {
    for (String stream : new String[] {"", "s".repeat(129), "a b", "a/b", "a\nb", "é"}) {
      assertThrows(IllegalArgumentException.class, () -> new ChainHead(stream, 1, HASH), stream);
    }
    for (String hash : new String[] {HASH.substring(1), HASH + "0", HASH.toUpperCase(), HASH.replace('a', 'g')}) {
      assertThrows(IllegalArgumentException.class, () -> new ChainHead("s", 1, hash), hash);
    }
    assertThrows(IllegalArgumentException.class, () -> new ChainHead("s", -1, HASH));
    assertThrows(NullPointerException.class, () -> new ChainHead(null, 1, HASH));
  }
}
