package dev.passage.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A JSON body in which no string can name a redacted field skips the parser and is recorded byte
 * for byte; anything that might hide such a name (an escape, a non-ASCII byte, a cut) still goes
 * through the parser, field by field.
 */
class JsonFastPathTest {

  private final Redaction redaction = new Redaction(new RedactionRules(Set.of(), Set.of("password", "key"), Set.of()));
  private final JsonFieldNames names = new JsonFieldNames(Set.of("password", "key"));

  @Test
  void aBodyWithoutSecretsIsKeptExactlyWhitespaceAndAll() {
    String json = "{\n  \"user\": \"al\",\n  \"n\": 1.50,\n  \"list\": [ 1, 2e3, null ]\n}\n";
    JsonRedactor.Result result = redaction.json(bytes(json), json.length());
    assertTrue(result.complete());
    assertEquals(json, text(result));
    assertTrue(JsonRedactor.nothingToRedact(bytes(json), json.length(), names));
  }

  @Test
  void aSecretInAnyCaseKeyOrValueSendsTheBodyToTheParser() {
    for (String json : new String[] {"{\"PassWord\":\"x\"}", "{\"a\":\"password\"}", "[\"KEY\"]"}) {
      assertFalse(JsonRedactor.nothingToRedact(bytes(json), json.length(), names), json);
    }
    assertEquals("{\"PassWord\":\"[redacted]\"}", text(redaction.json(bytes("{\"PassWord\":\"x\"}"), 16)));
  }

  @Test
  void aTokenThatOnlyLooksLikeANameIsNoSecret() {
    // Same length and first letter as a name ("pa...", "k.."), or a name's prefix or suffix: none is one.
    for (String json : new String[] {"{\"Passwore\":\"x\",\"kex\":1}", "{\"pass\":\"word\"}", "[\"ey\",\"PASSWORDS\"]"}) {
      assertTrue(JsonRedactor.nothingToRedact(bytes(json), json.length(), names), json);
    }
    // An empty name, if one is configured, still matches the empty key.
    JsonFieldNames empty = new JsonFieldNames(Set.of("", "key"));
    assertFalse(JsonRedactor.nothingToRedact(bytes("{\"\":1}"), 6, empty));
  }

  @Test
  void namesHiddenBehindEscapesOrNonAsciiAreStillRedacted() {
    // "pass\u0077ord" decodes to password; U+212A KELVIN SIGN lowercases to an ASCII 'k', so the
    // raw UTF-8 name below reads "key" to a parser that lowercases it.
    String escaped = "{\"pass\\u0077ord\":\"s3cret\",\"ok\":1}";
    String kelvin = "{\"\u212Aey\":\"s3cret\",\"ok\":1}";
    for (String json : new String[] {escaped, kelvin}) {
      byte[] body = bytes(json);
      assertFalse(JsonRedactor.nothingToRedact(body, body.length, names), json);
      String out = text(redaction.json(body, body.length));
      assertFalse(out.contains("s3cret"), out);
      assertTrue(out.contains("[redacted]"), out);
    }
  }

  @Test
  void aCutOrMalformedBodyIsLeftToTheParser() {
    String full = "{\"a\":{\"user\":\"alice\"},\"b\":[1,2]}";
    for (int cut = 1; cut < full.length(); cut++) {
      assertFalse(JsonRedactor.nothingToRedact(bytes(full), cut, names), full.substring(0, cut));
      assertFalse(redaction.json(bytes(full), cut).complete(), full.substring(0, cut));
    }
    for (String odd : new String[] {"{} {}", "x{}", "{}x", "}{", "\"a\"", "12", "{\"a\":\"b}"}) {
      assertFalse(JsonRedactor.nothingToRedact(bytes(odd), odd.length(), names), odd);
    }
  }

  @Test
  void anEmptyBodyIsCompleteAndEmpty() {
    JsonRedactor.Result result = redaction.json(new byte[0], 0);
    assertTrue(result.complete());
    assertEquals(0, result.bytes().length);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(JsonRedactor.Result result) {
    return new String(result.bytes(), StandardCharsets.UTF_8);
  }
}
