package dev.passage.gateway.frontdoor;

import dev.passage.gateway.frontdoor.Case.Check;
import dev.passage.gateway.support.RecordingUpstream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Checks on the exact bytes a {@link RecordingUpstream} received; each looks at the first request unless it says otherwise. */
final class UpstreamChecks {

  private UpstreamChecks() {}

  /** The first request's request line is exactly {@code line}. */
  static Check<List<String>> requestLine(String line) {
    return new Check<>("request line `" + line + "`", seen -> !seen.isEmpty() && seen.get(0).startsWith(line + "\r\n"));
  }

  /** Request {@code i}'s request line is exactly {@code line}. */
  static Check<List<String>> requestLine(int i, String line) {
    return new Check<>("request " + i + " line `" + line + "`",
        seen -> seen.size() > i && seen.get(i).startsWith(line + "\r\n"));
  }

  /** Exactly one field line named {@code name} (any case), and its value is exactly {@code value}. */
  static Check<List<String>> header(String name, String value) {
    return new Check<>("one `" + name + ": " + value + "` line",
        seen -> !seen.isEmpty() && values(seen.get(0), name).equals(List.of(value)));
  }

  /** No field line named {@code name}. */
  static Check<List<String>> noHeader(String name) {
    return new Check<>("no `" + name + "` line", seen -> !seen.isEmpty() && values(seen.get(0), name).isEmpty());
  }

  /** The decoded body is {@code body}. */
  static Check<List<String>> body(String body) {
    return new Check<>("body `" + body + "`", seen -> !seen.isEmpty()
        && RecordingUpstream.text(RecordingUpstream.body(seen.get(0).getBytes(StandardCharsets.ISO_8859_1))).equals(body));
  }

  /** {@code fragment} appears nowhere in what the upstream received. */
  static Check<List<String>> nowhere(String fragment) {
    return new Check<>("no `" + fragment + "` anywhere", seen -> seen.stream().noneMatch(r -> r.contains(fragment)));
  }

  /** The values of every field line named {@code name} in the head of {@code request}, trimmed. */
  static List<String> values(String request, String name) {
    int end = request.indexOf("\r\n\r\n");
    String head = end < 0 ? request : request.substring(0, end);
    List<String> out = new ArrayList<>();
    String[] lines = head.split("\r\n");
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0 && lines[i].substring(0, colon).toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        out.add(lines[i].substring(colon + 1).trim());
      }
    }
    return out;
  }
}
