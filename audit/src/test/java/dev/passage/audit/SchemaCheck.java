package dev.passage.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The subset of JSON Schema 2020-12 that docs/audit-record.schema.json uses (type, enum, required,
 * properties, additionalProperties, items, minItems, minimum, maximum, pattern, anyOf, local $ref),
 * so the test needs no validator library. An unknown keyword fails, so the schema cannot quietly
 * outgrow the check.
 */
final class SchemaCheck {

  private static final List<String> KNOWN = List.of("$schema", "$id", "$defs", "title", "description", "format",
      "type", "enum", "required", "properties", "additionalProperties", "items", "minItems", "minimum",
      "maximum", "pattern", "anyOf", "$ref");

  private final JsonNode root;

  SchemaCheck(JsonNode root) {
    this.root = root;
  }

  /** Every violation of the schema by {@code value}, as "path: problem"; empty when valid. */
  List<String> errors(JsonNode value) {
    List<String> errors = new ArrayList<>();
    check(root, value, "$", errors);
    return errors;
  }

  private void check(JsonNode schema, JsonNode value, String path, List<String> errors) {
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String keyword = it.next();
      if (!KNOWN.contains(keyword)) {
        throw new IllegalStateException("schema keyword not supported by the test: " + keyword);
      }
    }
    if (schema.has("$ref")) {
      check(root.at(schema.get("$ref").asText().substring(1)), value, path, errors);
    }
    if (schema.has("anyOf")) {
      boolean any = false;
      for (JsonNode option : schema.get("anyOf")) {
        List<String> optionErrors = new ArrayList<>();
        check(option, value, path, optionErrors);
        any |= optionErrors.isEmpty();
      }
      if (!any) {
        errors.add(path + ": matches none of anyOf");
      }
    }
    if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
      errors.add(path + ": " + value.getNodeType() + " is not " + schema.get("type"));
      return;
    }
    if (schema.has("enum")) {
      boolean found = false;
      for (JsonNode allowed : schema.get("enum")) {
        found |= allowed.equals(value);
      }
      if (!found) {
        errors.add(path + ": " + value + " not in " + schema.get("enum"));
      }
    }
    if (value.isNumber()) {
      BigDecimal n = value.decimalValue();
      if (schema.has("minimum") && n.compareTo(schema.get("minimum").decimalValue()) < 0) {
        errors.add(path + ": " + n + " below minimum");
      }
      if (schema.has("maximum") && n.compareTo(schema.get("maximum").decimalValue()) > 0) {
        errors.add(path + ": " + n + " above maximum");
      }
    }
    if (value.isTextual() && schema.has("pattern")
        && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
      errors.add(path + ": '" + value.asText() + "' does not match " + schema.get("pattern"));
    }
    if (value.isArray()) {
      if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
        errors.add(path + ": fewer than " + schema.get("minItems") + " items");
      }
      if (schema.has("items")) {
        for (int i = 0; i < value.size(); i++) {
          check(schema.get("items"), value.get(i), path + "[" + i + "]", errors);
        }
      }
    }
    if (value.isObject()) {
      checkObject(schema, value, path, errors);
    }
  }

  private void checkObject(JsonNode schema, JsonNode value, String path, List<String> errors) {
    if (schema.has("required")) {
      for (JsonNode key : schema.get("required")) {
        if (!value.has(key.asText())) {
          errors.add(path + ": missing required '" + key.asText() + "'");
        }
      }
    }
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.get("additionalProperties");
    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String fieldPath = path + "." + field.getKey();
      if (properties.has(field.getKey())) {
        check(properties.get(field.getKey()), field.getValue(), fieldPath, errors);
      } else if (additional != null && additional.isBoolean() && !additional.asBoolean()) {
        errors.add(fieldPath + ": not allowed by the schema");
      } else if (additional != null && additional.isObject()) {
        check(additional, field.getValue(), fieldPath, errors);
      }
    }
  }

  private static boolean typeMatches(JsonNode type, JsonNode value) {
    if (type.isArray()) {
      for (JsonNode t : type) {
        if (typeMatches(t, value)) {
          return true;
        }
      }
      return false;
    }
    switch (type.asText()) {
      case "null": return value.isNull();
      case "string": return value.isTextual();
      case "integer": return value.isIntegralNumber();
      case "number": return value.isNumber();
      case "boolean": return value.isBoolean();
      case "array": return value.isArray();
      case "object": return value.isObject();
      default: throw new IllegalStateException("unknown type " + type);
    }
  }
}
