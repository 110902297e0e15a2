package dev.passage.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RedactionTest {

  private final Redaction redaction = new Redaction(new RedactionRules(
      Set.of("Authorization", "x-api-key"), Set.of("password", "token"), Set.of("api_key", "Sig")));

  @Test
  void redactedHeadersMatchAnyCaseOthersPassThrough() {
    assertTrue(redaction.redactsHeader("AUTHORIZATION"));
    assertFalse(redaction.redactsHeader(null));
    assertEquals("[redacted]", redaction.headerValue("X-Api-Key", "abc"));
    assertEquals("text/plain", redaction.headerValue("Content-Type", "text/plain"));
  }

  @Test
  void queryParamsRedactedOthersUntouched() {
    assertEquals("/p/a%20b?x=1&api_key=[redacted]&y=%41+b&sig=[redacted]",
        redaction.uri("/p/a%20b?x=1&api_key=s3cr%3Dt&y=%41+b&sig=abc"));
    assertEquals("/p?API_KEY=[redacted]", redaction.uri("/p?API_KEY=v"));
    assertEquals("/p?api%5Fkey=[redacted]&api_key2=v", redaction.uri("/p?api%5Fkey=v&api_key2=v"));
  }

  @Test
  void uriWithoutQueryEmptyValuesBareNamesAndFragmentsIsHandled() {
    assertEquals("/plain/path", redaction.uri("/plain/path"));
    assertEquals("/p?", redaction.uri("/p?"));
    assertEquals("/p?api_key=[redacted]&&x", redaction.uri("/p?api_key=&&x"));
    assertEquals("/p?api_key&x=1", redaction.uri("/p?api_key&x=1"));
    assertEquals("/p?sig=[redacted]#sig=frag", redaction.uri("/p?sig=1#sig=frag"));
    assertEquals("/p#frag?sig=1", redaction.uri("/p#frag?sig=1"));
    assertEquals("/p?a=%zz&sig=[redacted]", redaction.uri("/p?a=%zz&sig=%zz"));
    assertEquals("/p?sig=[redacted]&", redaction.uri("/p?sig=a=b&"));
  }

  @Test
  void formBodyIsRedactedByteForByteOtherwise() {
    byte[] body = "user=al%C3%ADce&sig=abc&note=caf\u00e9".getBytes(StandardCharsets.UTF_8);
    byte[] redacted = redaction.form(body, body.length);
    assertEquals("user=al%C3%ADce&sig=[redacted]&note=caf\u00e9", new String(redacted, StandardCharsets.UTF_8));
  }

  @Test
  void nestedJsonFieldsRedactedAtAnyDepth() {
    String json = "{\"user\":\"al\",\"password\":\"p1\",\"deep\":[{\"token\":{\"a\":[1,2,{\"b\":3}]},"
        + "\"n\":1.50},{\"password\":[\"x\",\"y\"]},{\"token\":null}],\"Password\":\"case\",\"big\":12345678901234567890}";
    JsonRedactor.Result result = redaction.json(bytes(json), json.length());
    assertTrue(result.complete());
    assertEquals("{\"user\":\"al\",\"password\":\"[redacted]\",\"deep\":[{\"token\":\"[redacted]\","
        + "\"n\":1.50},{\"password\":\"[redacted]\"},{\"token\":\"[redacted]\"}],\"Password\":\"[redacted]\","
        + "\"big\":12345678901234567890}", text(result));
  }

  @Test
  void truncatedJsonIsRedactedAsFarAsItGoesWithoutLeakingAPartialSecret() {
    String full = "{\"a\":{\"user\":\"alice\",\"password\":\"correct horse battery\"},\"b\":2}";
    for (int cut = 1; cut < full.length(); cut++) {
      JsonRedactor.Result result = redaction.json(bytes(full), cut);
      String out = text(result);
      assertFalse(out.contains("corr") || out.contains("horse") || out.contains("ery\""), cut + ": " + out);
      assertFalse(result.complete(), cut + ": " + out);
      assertFalse(out.endsWith("}}"), "open structures must not be closed: " + out);
    }
    String cutInsideSecret = full.substring(0, full.indexOf("horse"));
    assertEquals("{\"a\":{\"user\":\"alice\",\"password\":\"[redacted]\"",
        text(redaction.json(bytes(cutInsideSecret), cutInsideSecret.length())));
    String cutInsideName = full.substring(0, full.indexOf("ice"));
    assertFalse(text(redaction.json(bytes(cutInsideName), cutInsideName.length())).contains("al"));
  }

  @Test
  void invalidJsonKeepsWhatWasRedactedBeforeTheError() {
    String json = "{\"token\":\"t\",\"ok\":true,]\"password\":\"leak\"}";
    JsonRedactor.Result result = redaction.json(bytes(json), json.length());
    assertFalse(result.complete());
    assertEquals("{\"token\":\"[redacted]\",\"ok\":true", text(result));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(JsonRedactor.Result result) {
    return new String(result.bytes(), StandardCharsets.UTF_8);
  }
}
