package dev.passage.capture;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Applies {@link RedactionRules} to the parts of an exchange that go into the audit record: header
 * values, the request URI's query, and (through {@link BodyRenderer}) JSON and form bodies. Whatever
 * is not redacted is left byte for byte as it was, so the record still shows what crossed the wire.
 */
public final class Redaction {

  /** Headers whose value is a URL: their query strings are redacted like the request URI's. */
  private static final Set<String> URL_HEADERS = Set.of("referer", "location", "content-location");

  private final RedactionRules rules;
  /** Form bodies carry what JSON bodies and query strings carry: both lists apply. */
  private final Set<String> formFields;
  private final JsonFieldNames jsonFields;

  public Redaction(RedactionRules rules) {
    if (rules == null) {
      throw new IllegalArgumentException("redaction rules must not be null");
    }
    this.rules = rules;
    Set<String> form = new HashSet<>(rules.jsonFields());
    form.addAll(rules.queryParams());
    this.formFields = Set.copyOf(form);
    this.jsonFields = new JsonFieldNames(rules.jsonFields());
  }

  public RedactionRules rules() {
    return rules;
  }

  /** Whether values of the header {@code name} (any case) are replaced. */
  public boolean redactsHeader(String name) {
    return name != null && rules.headers().contains(name.toLowerCase(Locale.ROOT));
  }

  /**
   * {@code value}, or {@link RedactionRules#REDACTED} when the header is redacted; a URL-valued
   * header (Referer, Location, Content-Location) with its query redacted.
   */
  public String headerValue(String name, String value) {
    if (name == null) {
      return value;
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (rules.headers().contains(lower)) {
      return RedactionRules.REDACTED;
    }
    return URL_HEADERS.contains(lower) ? uri(value) : value;
  }

  /**
   * The request URI with the values of redacted query parameters replaced. Path, fragment, parameter
   * order, percent-encoding and parameters without '=' are left as they were.
   */
  public String uri(String uri) {
    if (uri == null || rules.queryParams().isEmpty()) {
      return uri;
    }
    int question = uri.indexOf('?');
    int hash = uri.indexOf('#');
    if (question < 0 || (hash >= 0 && hash < question)) {
      return uri; // no query, or the '?' belongs to the fragment
    }
    int end = hash < 0 ? uri.length() : hash;
    String query = FormPairs.redact(uri.substring(question + 1, end), rules.queryParams());
    return uri.substring(0, question + 1) + query + uri.substring(end);
  }

  /** A form-urlencoded body with redacted parameter values replaced; other bytes are unchanged. */
  byte[] form(byte[] body, int length) {
    // ISO-8859-1 maps each byte to one char and back, so bytes we do not touch survive exactly.
    String form = new String(body, 0, length, StandardCharsets.ISO_8859_1);
    return FormPairs.redact(form, formFields).getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A JSON body with redacted fields replaced, as far as it parses. */
  JsonRedactor.Result json(byte[] body, int length) {
    return JsonRedactor.redact(body, length, jsonFields);
  }
}
