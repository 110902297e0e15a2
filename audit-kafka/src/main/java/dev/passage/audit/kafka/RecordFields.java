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

  record Values(String id, String key) {}
}
