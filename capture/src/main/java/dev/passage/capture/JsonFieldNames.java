package dev.passage.capture;

import java.util.Arrays;
import java.util.Set;

/**
 * The JSON field names whose values are redacted, with a check that runs on raw bytes: could a
 * string token at {@code bytes[from, from + length)} name one of them? It answers without
 * allocating for tokens that cannot (wrong length, or a lowercase hash no name has), which is
 * nearly every token of a body without secrets.
 */
final class JsonFieldNames {

  private final Set<String> names;
  private final int minLength;
  private final int maxLength;
  /** String.hashCode() of each lowercase name, sorted for a binary search. */
  private final int[] hashes;
  /**
   * Whether some name has length L and first character c (ASCII, lowercase), at {@code L * 128 + c}:
   * one load turns away nearly every token of a body without secrets before any hashing (the
   * hashing showed as a fifth of the audit writer's time on the bench's small JSON bodies).
   */
  private final boolean[] lengthAndFirst;

  /** @param names lowercase names, as {@link RedactionRules#jsonFields()} holds them */
  JsonFieldNames(Set<String> names) {
    this.names = Set.copyOf(names);
    this.minLength = names.stream().mapToInt(String::length).min().orElse(Integer.MAX_VALUE);
    this.maxLength = names.stream().mapToInt(String::length).max().orElse(0);
    this.hashes = names.stream().mapToInt(String::hashCode).sorted().toArray();
    this.lengthAndFirst = new boolean[(maxLength + 1) * 128];
    for (String name : names) {
      char first = name.isEmpty() ? 0 : name.charAt(0);
      if (first < 128) {
        lengthAndFirst[name.length() * 128 + first] = true;
      }
    }
  }

  /**
   * Whether {@code name}, lowercased as the parser reports it, is redacted. Most names of a body
   * with secrets are not: their length or cached hash turns them away before the set is probed
   * (probing showed as a tenth of the writer's time on such bodies).
   */
  boolean contains(String lowercaseName) {
    int length = lowercaseName.length();
    if (length < minLength || length > maxLength) {
      return false;
    }
    return Arrays.binarySearch(hashes, lowercaseName.hashCode()) >= 0 && names.contains(lowercaseName);
  }

  /**
   * Whether the ASCII token {@code bytes[from, from + length)}, lowercased, is one of the names.
   * The caller has made sure the token holds no escapes and no bytes above 0x7F: such a token's
   * characters are its bytes, so String.hashCode() can be computed on the bytes directly.
   */
  boolean matchesAscii(byte[] bytes, int from, int length) {
    if (length < minLength || length > maxLength) {
      return false;
    }
    if (length > 0) { // an empty name (if configured) has no first character to look up
      int first = bytes[from]; // ASCII: the caller sends only tokens without bytes above 0x7F
      if (!lengthAndFirst[length * 128 + (first >= 'A' && first <= 'Z' ? first + ('a' - 'A') : first)]) {
        return false;
      }
    }
    int hash = 0;
    for (int i = from, end = from + length; i < end; i++) {
      int c = bytes[i];
      hash = 31 * hash + (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    if (Arrays.binarySearch(hashes, hash) < 0) {
      return false;
    }
    char[] lower = new char[length];
    for (int i = 0; i < length; i++) {
      int c = bytes[from + i];
      lower[i] = (char) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    return names.contains(new String(lower));
  }
}
