package dev.passage.capture;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Names whose values are replaced by {@code "[redacted]"} in the kept audit copy. Header names and
 * query parameter names compare case-insensitively; JSON field names compare exactly.
 */
public record RedactionRules(Set<String> headers, Set<String> jsonFields, Set<String> queryParams) {

  public static final String REDACTED = "[redacted]";

  public static final List<String> DEFAULT_HEADERS =
      List.of("authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key");
  public static final List<String> DEFAULT_JSON_FIELDS =
      List.of("password", "secret", "token", "access_token", "refresh_token");
  public static final List<String> DEFAULT_QUERY_PARAMS = List.of();

  public RedactionRules {
    headers = lower(headers);
    queryParams = lower(queryParams);
    jsonFields = Set.copyOf(jsonFields);
  }

  public static RedactionRules defaults() {
    return new RedactionRules(
        Set.copyOf(DEFAULT_HEADERS), Set.copyOf(DEFAULT_JSON_FIELDS), Set.copyOf(DEFAULT_QUERY_PARAMS));
  }

  private static Set<String> lower(Set<String> names) {
    return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }
}
