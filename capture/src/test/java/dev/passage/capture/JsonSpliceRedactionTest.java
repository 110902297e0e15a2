package dev.passage.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The redactor splices its output from the body's own bytes. Checked against an independent oracle:
 * Jackson's tree of the input with every redacted field's value replaced must equal the tree of the
 * output, for thousands of generated documents in assorted layouts; and nothing of a secret value
 * may appear in the output.
 */
class JsonSpliceRedactionTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> SECRET_NAMES = Set.of("password", "token", "key");
  private final Redaction redaction = new Redaction(new RedactionRules(Set.of(), SECRET_NAMES, Set.of()));

  @Test
  void generatedDocumentsMatchTheTreeOracleAndLeakNoSecret() throws Exception {
    Random random = new Random(20261203);
    for (int i = 0; i < 3000; i++) {
      StringBuilder doc = new StringBuilder();
      value(random, doc, 0, false);
      String json = doc.toString();
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      JsonRedactor.Result result = redaction.json(body, body.length);
      String out = new String(result.bytes(), StandardCharsets.UTF_8);
      assertTrue(result.complete(), json);
      assertEquals(redactedTree(JSON.readTree(json)), JSON.readTree(out), json + "\n-> " + out);
      assertFalse(out.contains("SECRET"), json + "\n-> " + out);
    }
  }

  @Test
  void layoutOutsideRedactedValuesIsKept() {
    String json = "{ \"a\" : 1 ,\n  \"Password\" :\t{ \"x\": [1, \"}\"] } , \"b\": \"k\\\"ey\" }";
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    JsonRedactor.Result result = redaction.json(body, body.length);
    assertTrue(result.complete());
    assertEquals("{ \"a\" : 1 ,\n  \"Password\":\"[redacted]\" , \"b\": \"k\\\"ey\" }",
        new String(result.bytes(), StandardCharsets.UTF_8));
  }

  @Test
  void aSecretCutAtAnyByteNeverShowsAndTheOutputIsMarkedIncomplete() {
    String full = "{\"list\":[{\"token\":\"SECRET-1\",\"n\":-1.5e3},{\"key\":{\"k\":[\"SECRET-2\",true]}}],"
        + "\"password\":\"SECRET-3\",\"tail\":null}";
    byte[] body = full.getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < body.length; cut++) {
      JsonRedactor.Result result = redaction.json(body, cut);
      String out = new String(result.bytes(), StandardCharsets.UTF_8);
      assertFalse(result.complete(), cut + ": " + out);
      assertFalse(out.contains("SEC") || out.contains("RET"), cut + ": " + out);
      assertTrue(full.startsWith(out.replace(":\"[redacted]\"", "")) || out.contains("[redacted]"), cut + ": " + out);
    }
  }

  /** The oracle: the input's tree with every value of a secret field (any case) replaced. */
  private static JsonNode redactedTree(JsonNode node) {
    if (node.isObject()) {
      ObjectNode copy = JSON.createObjectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        copy.set(e.getKey(), SECRET_NAMES.contains(e.getKey().toLowerCase(Locale.ROOT))
            ? TextNode.valueOf(RedactionRules.REDACTED) : redactedTree(e.getValue()));
      }
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = JSON.createArrayNode();
      node.forEach(item -> copy.add(redactedTree(item)));
      return copy;
    }
    return node;
  }

  private static final String[] NAMES = {"id", "name", "password", "Token", "KEY", "keys", "pass", "t\\u006fken",
      "note", "n\\\"q"};
  private static final String[] SPACE = {"", " ", "\n  ", "\t", " \r\n "};

  private static void value(Random r, StringBuilder out, int depth, boolean secret) {
    int kind = depth > 4 ? 2 + r.nextInt(4) : r.nextInt(6);
    switch (kind) {
      case 0 -> {
        out.append('{').append(space(r));
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            out.append(',').append(space(r));
          }
          String name = NAMES[r.nextInt(NAMES.length)];
          out.append('"').append(name).append('"').append(space(r)).append(':').append(space(r));
          value(r, out, depth + 1, secret || isSecret(name));
          out.append(space(r));
        }
        out.append('}');
      }
      case 1 -> {
        out.append('[').append(space(r));
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            out.append(',').append(space(r));
          }
          value(r, out, depth + 1, secret);
        }
        out.append(space(r)).append(']');
      }
      case 2 -> out.append(secret
          ? new String[] {"\"SECRET-a\"", "\"x\\\"SECRET\\\\\"", "\"\u00e9SECRET\"", "\"SECRET\\u0041\""}[r.nextInt(4)]
          : new String[] {"\"plain\"", "\"x\\\"q\\\\\"", "\"\u00e9t\u00e9\"", "\"\""}[r.nextInt(4)]);
      case 3 -> out.append(new String[] {"0", "-12.5", "3e-7", "12345678901234567890", "1E+2"}[r.nextInt(5)]);
      case 4 -> out.append(new String[] {"true", "false", "null"}[r.nextInt(3)]);
      default -> out.append("{\"password\":[\"SECRET\",{\"a\":\"SECRET\"}],\"ok\":1}");
    }
    if (depth == 0 && kind > 1) {
      // a top-level scalar is not what the gateway redacts: wrap it
      String scalar = out.toString();
      out.setLength(0);
      out.append("[").append(scalar).append("]");
    }
  }

  /** What the redactor decides by: the decoded name, lowercased (the generator's escapes decoded). */
  private static boolean isSecret(String rawName) {
    return SECRET_NAMES.contains(rawName.replace("\\u006f", "o").toLowerCase(Locale.ROOT));
  }

  private static String space(Random r) {
    return SPACE[r.nextInt(SPACE.length)];
  }
}
