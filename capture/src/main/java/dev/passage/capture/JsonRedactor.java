package dev.passage.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.Arrays;

/**
 * Streaming JSON redaction: tokens are copied from parser to generator, and the value of any field
 * named in the rules, at any depth, is replaced by {@link RedactionRules#REDACTED} without ever being
 * copied. No tree is built, so memory stays proportional to the output.
 */
final class JsonRedactor {

  // Open structures are not closed on error: a cut record must look cut, not complete.
  // Parse errors must not quote the body back to us, since it may hold the very secret.
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .disable(StreamWriteFeature.AUTO_CLOSE_CONTENT)
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build();

  /**
   * @param bytes    the redacted JSON
   * @param complete false when parsing stopped at an error (truncated or invalid input)
   */
  record Result(byte[] bytes, boolean complete) {}

  private JsonRedactor() {}

  static Result redact(byte[] body, int length, JsonFieldNames fields) {
    if (nothingToRedact(body, length, fields)) {
      // The common case, a body without any secret field, costs one pass over the bytes and no
      // copy: it is recorded exactly as it crossed the wire.
      return new Result(length == body.length ? body : Arrays.copyOf(body, length), true);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, length));
    boolean complete;
    try (JsonParser parser = FACTORY.createParser(body, 0, length);
        JsonGenerator generator = FACTORY.createGenerator(out)) {
      complete = copy(parser, generator, fields);
    } catch (IOException | RuntimeException e) {
      complete = false;
    }
    return new Result(out.toByteArray(), complete);
  }

  /**
   * Whether the body can be recorded as it is, decided without a parser: it is one complete JSON
   * array or object (brackets balanced outside strings, every string closed) and no string in it,
   * key or value, names a redacted field. A string with an escape or a byte above 0x7F might decode
   * to such a name, and a body cut short might hide one, so either sends the body to the parser,
   * which then decides field by field as before. Only "no" is ever wrong here, never "yes".
   */
  static boolean nothingToRedact(byte[] body, int length, JsonFieldNames fields) {
    if (length == 0) {
      return true; // an empty body hides nothing; the parser would report it complete too
    }
    int depth = 0;
    boolean structure = false;
    int i = 0;
    while (i < length) {
      byte c = body[i];
      if (c == '"') {
        int start = ++i;
        while (i < length && body[i] != '"') {
          byte x = body[i];
          if (x == '\\' || x < 0) {
            return false;
          }
          i++;
        }
        if (i == length || fields.matchesAscii(body, start, i - start)) {
          return false;
        }
      } else if (c == '{' || c == '[') {
        if (depth == 0 && structure) {
          return false; // a second top-level value: not one JSON text
        }
        depth++;
        structure = true;
      } else if (c == '}' || c == ']') {
        if (--depth < 0) {
          return false;
        }
      } else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return false; // anything but whitespace around the top-level value
      }
      i++;
    }
    return depth == 0 && structure;
  }

  /** Copies tokens until the end or the first error; returns whether the input parsed completely. */
  private static boolean copy(JsonParser parser, JsonGenerator generator, JsonFieldNames fields) {
    try {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token == JsonToken.FIELD_NAME && fields.contains(parser.currentName().toLowerCase(Locale.ROOT))) {
          String name = parser.currentName();
          JsonToken value = parser.nextToken();
          if (value == null) {
            return false;
          }
          generator.writeFieldName(name);
          generator.writeString(RedactionRules.REDACTED);
          // Strings are parsed lazily, so a redacted string is skipped, never decoded; a cut one
          // fails on the next token, after the placeholder is already written.
          if (value.isStructStart()) {
            parser.skipChildren();
          }
        } else {
          generator.copyCurrentEventExact(parser);
        }
      }
      return true;
    } catch (IOException | RuntimeException stop) {
      return false;
    }
  }
}
