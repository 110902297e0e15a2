package dev.passage.gateway.config;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code ${NAME}} and {@code ${NAME:-default}} in config scalars, as in POSIX shells and Compose.
 * {@code $$} is a literal dollar. An unset variable without a default is an error, not an empty
 * string: a missing secret should stop the gateway, not start it open.
 */
final class EnvSubstitution {

  private final Function<String, String> env;

  EnvSubstitution(Function<String, String> env) {
    this.env = env;
  }

  static EnvSubstitution system() {
    Map<String, String> vars = System.getenv();
    return new EnvSubstitution(vars::get);
  }

  /** Substitutes, adding a message to {@code problems} for every unset variable without default. */
  String apply(String value, List<String> problems) {
    if (value.indexOf('$') < 0) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length());
    int i = 0;
    while (i < value.length()) {
      char c = value.charAt(i);
      if (c == '$' && i + 1 < value.length() && value.charAt(i + 1) == '$') {
        out.append('$');
        i += 2;
      } else if (c == '$' && i + 1 < value.length() && value.charAt(i + 1) == '{') {
        int end = value.indexOf('}', i + 2);
        if (end < 0) {
          problems.add("unterminated ${ in \"" + value + "\"");
          return value;
        }
        String expr = value.substring(i + 2, end);
        int sep = expr.indexOf(":-");
        String name = sep >= 0 ? expr.substring(0, sep) : expr;
        String fallback = sep >= 0 ? expr.substring(sep + 2) : null;
        String resolved = env.apply(name);
        if (resolved == null || (resolved.isEmpty() && fallback != null)) {
          resolved = fallback;
        }
        if (resolved == null) {
          problems.add("environment variable " + name + " is not set and has no default (use ${" + name + ":-value})");
          resolved = "";
        }
        out.append(resolved);
        i = end + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
