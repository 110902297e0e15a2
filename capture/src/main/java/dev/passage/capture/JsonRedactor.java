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
import java.util.Set;

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

  static Result redact(byte[] body, int length, Set<String> fields) {
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

  /** Copies tokens until the end or the first error; returns whether the input parsed completely. */
  private static boolean copy(JsonParser parser, JsonGenerator generator, Set<String> fields) {
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
