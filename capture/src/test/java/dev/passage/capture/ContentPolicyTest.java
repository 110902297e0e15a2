package dev.passage.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ContentPolicyTest {

  private final ContentPolicy defaults = ContentPolicy.keeping(ContentPolicy.DEFAULT_KEEP);

  @Test
  void defaultsKeepJsonTextFormsAndXmlIgnoringCaseAndParameters() {
    assertNull(defaults.decide("application/json", null));
    assertNull(defaults.decide("Application/JSON; charset=UTF-8", null));
    assertNull(defaults.decide("application/problem+json", null));
    assertNull(defaults.decide("text/plain;charset=iso-8859-1", null));
    assertNull(defaults.decide("text/html", "inline"));
    assertNull(defaults.decide("application/x-www-form-urlencoded", null));
    assertNull(defaults.decide("application/xml", null));
  }

  @Test
  void otherMediaTypesAreSkippedAsContentType() {
    assertEquals(SkipReason.CONTENT_TYPE, defaults.decide("image/png", null));
    assertEquals(SkipReason.CONTENT_TYPE, defaults.decide("application/pdf", null));
    assertEquals(SkipReason.CONTENT_TYPE, defaults.decide("application/jsonx", null));
  }

  @Test
  void eventStreamIsNeverKeptEvenIfTextStarMatches() {
    assertEquals(SkipReason.STREAM, defaults.decide("text/event-stream", null));
    assertEquals(SkipReason.STREAM, defaults.decide("TEXT/Event-Stream; charset=utf-8", null));
    assertEquals(SkipReason.STREAM,
        ContentPolicy.keeping(List.of("text/event-stream")).decide("text/event-stream", "attachment"));
  }

  @Test
  void attachmentIsSkipped() {
    assertEquals(SkipReason.CONTENT_TYPE, defaults.decide("application/json", "attachment; filename=\"a.json\""));
    assertEquals(SkipReason.CONTENT_TYPE, defaults.decide("text/csv", "  ATTACHMENT "));
    assertNull(defaults.decide("application/json", "inline; filename=attachment.json"));
  }

  @Test
  void octetStreamAndMultipartAreNeverKeptWhateverThePatterns() {
    ContentPolicy greedy = ContentPolicy.keeping(List.of("application/*", "multipart/*"));
    assertEquals(SkipReason.CONTENT_TYPE, greedy.decide("application/octet-stream", null));
    assertEquals(SkipReason.CONTENT_TYPE, greedy.decide("multipart/form-data; boundary=x", null));
    assertNull(greedy.decide("application/pdf", null));
  }

  @Test
  void missingOrMalformedContentTypeIsSkipped() {
    assertEquals(SkipReason.CONTENT_TYPE, defaults.decide(null, null));
    assertEquals(SkipReason.CONTENT_TYPE, defaults.decide("   ", null));
    assertEquals(SkipReason.CONTENT_TYPE, defaults.decide("json", null));
    assertEquals(SkipReason.CONTENT_TYPE, defaults.decide("text/", null));
  }

  @Test
  void suffixPatternNeedsASubtypeBeforeTheSuffix() {
    ContentPolicy policy = ContentPolicy.keeping(List.of("application/*+json"));
    assertNull(policy.decide("application/vnd.api+json", null));
    assertEquals(SkipReason.CONTENT_TYPE, policy.decide("application/json", null));
    assertEquals(SkipReason.CONTENT_TYPE, policy.decide("text/x+json", null));
  }

  @Test
  void badPatternsAreRejectedByName() {
    for (String bad : List.of("json", "*/*", "application/", "/json", "application/js*n", "a/*+", "a/b c")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ContentPolicy.keeping(List.of("text/*", bad)));
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }
}
