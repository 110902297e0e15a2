package dev.passage.capture;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Streaming JSON redaction. The value of any field named in the rules, at any depth, is replaced by
 * {@link RedactionRules#REDACTED} without ever being copied; every other byte is copied from the body
 * as it came. Jackson's parser validates and finds the tokens; the output is spliced from spans of
 * the input, so nothing is re-generated (a parse plus a re-generation cost about 130 us per 16 KiB
 * body, the audit writer's largest cost on JSON traffic with secrets). No tree is built, so memory
 * stays proportional to the output.
 */
final class JsonRedactor {

  // Parse errors must not quote the body back to us, since it may hold the very secret.
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build();
  private static final byte[] REDACTED_VALUE =
      (":\"" + RedactionRules.REDACTED + "\"").getBytes(StandardCharsets.US_ASCII);

  /**
   * @param bytes    the redacted JSON
   * @param complete false when parsing stopped at an error (truncated or invalid input)
   */
  record Result(byte[] bytes, boolean complete) {}

  private JsonRedactor() {}

  /**
   * The body with redacted values replaced. On a parse error (a cut or invalid body) the output
   * stops after the last token that was whole, open structures are left open (a cut record must look
   * cut, not complete), and a redacted field whose value was cut still shows its placeholder.
   */
  static Result redact(byte[] body, int length, JsonFieldNames fields) {
    if (nothingToRedact(body, length, fields)) {
      // The common case, a body without any secret field, costs one pass over the bytes and no
      // copy: it is recorded exactly as it crossed the wire.
      return new Result(length == body.length ? body : Arrays.copyOf(body, length), true);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, length));
    int copied = 0; // body[0, copied) is in the output already (with its redactions)
    int whole = 0; // body[0, whole) ends with a token that arrived whole
    boolean complete = false;
    try (JsonParser parser = FACTORY.createParser(body, 0, length)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        int start = (int) parser.currentTokenLocation().getByteOffset();
        int end = tokenEnd(token, body, start, length);
        if (end < 0) {
          break; // a string cut short: Jackson reads strings lazily and has not noticed yet
        }
        if (token == JsonToken.FIELD_NAME && fields.contains(parser.currentName().toLowerCase(Locale.ROOT))) {
          out.write(body, copied, end - copied);
          out.write(REDACTED_VALUE);
          copied = end;
          whole = end;
          // From here the placeholder stands for the value, whether or not the value arrives whole.
          JsonToken value = parser.nextToken();
          if (value == null) {
            break;
          }
          int valueStart = (int) parser.currentTokenLocation().getByteOffset();
          if (value.isStructStart()) {
            parser.skipChildren(); // throws if the structure is cut or invalid
          }
          int valueEnd = value.isStructStart()
              ? structureEnd(body, valueStart, length)
              : tokenEnd(value, body, valueStart, length);
          if (valueEnd < 0) {
            break;
          }
          copied = valueEnd;
          whole = valueEnd;
        } else {
          whole = end;
        }
      }
      complete = token == null;
    } catch (IOException | RuntimeException stop) {
      complete = false;
    }
    int until = complete ? length : whole;
    if (until > copied) {
      out.write(body, copied, until - copied);
    }
    return new Result(out.toByteArray(), complete);
  }

  /**
   * Where the token starting at {@code start} ends in the body (exclusive), or -1 when it does not
   * end before {@code length}. A bracket is one byte; a whole structure is {@link #structureEnd}.
   */
  private static int tokenEnd(JsonToken token, byte[] body, int start, int length) {
    if (token == JsonToken.FIELD_NAME || token == JsonToken.VALUE_STRING) {
      return stringEnd(body, start, length);
    }
    if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY
        || token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
      return start + 1;
    }
    int i = start;
    while (i < length && isScalarByte(body[i])) {
      i++;
    }
    return i;
  }

  /**
   * The end of a structure whose opening bracket is at {@code start}, after Jackson's skipChildren()
   * has validated what lies in between: matching brackets outside strings then finds it.
   */
  private static int structureEnd(byte[] body, int start, int length) {
    int depth = 0;
    for (int i = start; i < length; i++) {
      byte c = body[i];
      if (c == '"') {
        i = stringEnd(body, i, length) - 1;
        if (i < 0) {
          return -1;
        }
      } else if (c == '{' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
    }
    return -1;
  }

  /** The index after the closing quote of the string whose opening quote is at {@code start}, or -1. */
  private static int stringEnd(byte[] body, int start, int length) {
    for (int i = start + 1; i < length; i++) {
      byte c = body[i];
      if (c == '\\') {
        i++; // the escaped byte cannot close the string
      } else if (c == '"') {
        return i + 1;
      }
    }
    return -1;
  }

  /** Bytes of numbers and of the literals true, false and null. */
  private static boolean isScalarByte(byte c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E';
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
}
