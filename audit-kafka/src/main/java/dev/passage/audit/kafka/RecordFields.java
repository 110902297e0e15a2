package dev.passage.audit.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Reads two top-level fields of a record line, the id and the key field, without building the
 * record: it stops as soon as it has both, which for the default key ({@code route}, fifth field)
 * means a few dozen bytes into the line.
 */
final class RecordFields {

  private static final JsonFactory JSON = new JsonFactory();

  private final String keyField;

  RecordFields(String keyField) {
    this.keyField = keyField;
  }

  /** The record's {@code id} (null when absent) and the key field's text (null when absent or null). */
  Values read(byte[] line) throws IOException {
    String id = null;
    String key = null;
    boolean idSeen = false;
    boolean keySeen = false;
    if (keyField.equals(KafkaSinkSettings.INSTANCE_KEY)) {
      // Chained lines end with "instance","chain","hash" (RecordChain): read it there, not by parsing the body.
      key = instanceFromTail(line);
      keySeen = key != null;
    }
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("an audit line is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME && !(idSeen && keySeen)) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        boolean isId = name.equals("id");
        boolean isKey = name.equals(keyField);
        if ((isId || isKey) && value.isScalarValue()) {
          String text = value == JsonToken.VALUE_NULL ? null : p.getText();
          if (isId) {
            id = text;
            idSeen = true;
          }
          if (isKey) {
            key = text;
            keySeen = true;
          }
        } else {
          p.skipChildren();
        }
      }
    }
    return new Values(id, key);
  }

  /**
   * The {@code instance} of a chained line, from its fixed tail {@code ,"instance":"I","chain":{…},"hash":"…"}}
   * (the id has no characters JSON escapes), or null when the line does not end that way.
   */
  static String instanceFromTail(byte[] line) {
    byte[] member = INSTANCE_MEMBER;
    int from = Math.max(0, line.length - TAIL_SEARCH);
    for (int i = line.length - member.length; i >= from; i--) {
      if (java.util.Arrays.equals(line, i, i + member.length, member, 0, member.length)) {
        int start = i + member.length;
        int end = start;
        while (end < line.length && line[end] != '"') {
          end++;
        }
        return end < line.length ? new String(line, start, end - start, java.nio.charset.StandardCharsets.US_ASCII) : null;
      }
    }
    return null;
  }

  private static final byte[] INSTANCE_MEMBER = ",\"instance\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  /** The chain tail is at most about 600 bytes (two 128-character ids, a seq, two hashes). */
  private static final int TAIL_SEARCH = 1024;

  record Values(String id, String key) {}
}
