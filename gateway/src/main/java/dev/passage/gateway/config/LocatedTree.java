package dev.passage.gateway.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A YAML document read into a JSON tree together with the line of every node, so that errors found
 * after binding (unknown keys, bad values) still name the line. Scalars pass through
 * {@code substitute} (environment variables) as they are read.
 */
final class LocatedTree {

  private final JsonNode root;
  private final Map<String, Integer> lines;

  private LocatedTree(JsonNode root, Map<String, Integer> lines) {
    this.root = root;
    this.lines = lines;
  }

  static LocatedTree read(JsonParser parser, UnaryOperator<String> substitute) throws IOException {
    Map<String, Integer> lines = new HashMap<>();
    JsonToken first = parser.nextToken();
    if (first == null) {
      return new LocatedTree(JsonNodeFactory.instance.objectNode(), lines);
    }
    JsonNode root = readValue(parser, "", lines, substitute);
    return new LocatedTree(root, lines);
  }

  JsonNode root() {
    return root;
  }

  /** The line of {@code path}, or of its nearest ancestor that has one; 0 when none. */
  int lineOf(String path) {
    String p = path;
    while (true) {
      Integer line = lines.get(p);
      if (line != null) {
        return line;
      }
      if (p.isEmpty()) {
        return 0;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut <= 0 ? "" : p.substring(0, cut);
    }
  }

  private static JsonNode readValue(
      JsonParser p, String path, Map<String, Integer> lines, UnaryOperator<String> substitute)
      throws IOException {
    lines.putIfAbsent(path, p.currentTokenLocation().getLineNr());
    JsonNodeFactory f = JsonNodeFactory.instance;
    switch (p.currentToken()) {
      case START_OBJECT: {
        ObjectNode node = f.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          String child = path.isEmpty() ? name : path + "." + name;
          lines.put(child, p.currentTokenLocation().getLineNr());
          p.nextToken();
          node.set(name, readValue(p, child, lines, substitute));
        }
        return node;
      }
      case START_ARRAY: {
        ArrayNode node = f.arrayNode();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          node.add(readValue(p, path + "[" + i++ + "]", lines, substitute));
        }
        return node;
      }
      case VALUE_STRING:
        return f.textNode(substitute.apply(p.getText()));
      case VALUE_NUMBER_INT:
        return f.numberNode(p.getLongValue());
      case VALUE_NUMBER_FLOAT:
        return f.numberNode(p.getDecimalValue());
      case VALUE_TRUE:
        return f.booleanNode(true);
      case VALUE_FALSE:
        return f.booleanNode(false);
      case VALUE_NULL:
        return f.nullNode();
      default:
        return f.textNode(p.getText());
    }
  }
}
