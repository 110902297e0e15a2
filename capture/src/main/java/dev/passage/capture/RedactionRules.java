package dev.passage.capture;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Names whose values are replaced by {@code "[redacted]"} in the kept audit copy. Every name
 * compares case-insensitively ({@code Password} is a password too). Field names apply to JSON and
 * form bodies alike; query parameter names apply to URIs, URL-valued headers and form bodies.
 */
public record RedactionRules(Set<String> headers, Set<String> jsonFields, Set<String> queryParams) {

  public static final String REDACTED = "[redacted]";

  public static final List<String> DEFAULT_HEADERS =
      List.of("authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key");
  /** What OAuth 2.0, OpenID Connect and common API key schemes call their secrets. */
  public static final List<String> DEFAULT_JSON_FIELDS = List.of("password", "passwd", "secret", "token",
      "access_token", "refresh_token", "id_token", "client_secret", "api_key", "apikey", "authorization",
      "private_key");
  /** The same names: an {@code access_token} in a query string is as secret as in a body. */
  public static final List<String> DEFAULT_QUERY_PARAMS = DEFAULT_JSON_FIELDS;

  public RedactionRules {
    headers = lower(headers);
    queryParams = lower(queryParams);
    jsonFields = lower(jsonFields);
  }

  public static RedactionRules defaults() {
    return new RedactionRules(
        Set.copyOf(DEFAULT_HEADERS), Set.copyOf(DEFAULT_JSON_FIELDS), Set.copyOf(DEFAULT_QUERY_PARAMS));
  }

  private static Set<String> lower(Set<String> names) {
    return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }
}
