package dev.passage.gateway.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads a YAML config: parse (with line numbers and environment substitution), bind to the records
 * of this package (unknown keys are errors), validate. Every problem is collected and reported
 * together in one {@link ConfigException}; nothing binds a port before this succeeds.
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  public static PassageConfig load(Path file) throws ConfigException {
    String name = file.toString();
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(List.of(new ConfigError(name, 0, "", "file not found")));
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigError(name, 0, "", "cannot read: " + e.getMessage())));
    }
    return parse(name, text, System.getenv()::get);
  }

  /** Parses config text; {@code env} resolves {@code ${NAME}} references. */
  public static PassageConfig parse(String fileName, String text, Function<String, String> env)
      throws ConfigException {
    List<ConfigError> errors = new ArrayList<>();
    EnvSubstitution substitution = new EnvSubstitution(env);
    LocatedTree tree;
    List<String> envProblems = new ArrayList<>();
    List<Integer> envLines = new ArrayList<>();
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try (JsonParser parser = yaml.getFactory().createParser(text)) {
      tree = LocatedTree.read(parser, value -> {
        int before = envProblems.size();
        String out = substitution.apply(value, envProblems);
        for (int i = before; i < envProblems.size(); i++) {
          envLines.add(parser.currentTokenLocation().getLineNr());
        }
        return out;
      });
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw new ConfigException(List.of(new ConfigError(fileName, line, "", "not valid YAML: " + e.getOriginalMessage())));
    } catch (IOException e) {
      throw new ConfigException(List.of(new ConfigError(fileName, 0, "", "cannot read: " + e.getMessage())));
    }
    for (int i = 0; i < envProblems.size(); i++) {
      errors.add(new ConfigError(fileName, envLines.get(i), "", envProblems.get(i)));
    }
    if (!tree.root().isObject()) {
      throw new ConfigException(List.of(new ConfigError(fileName, 1, "", "the config must be a mapping of keys to values")));
    }

    ObjectMapper binder = new ObjectMapper()
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .addHandler(new CollectingProblems(fileName, tree, errors));
    PassageConfig config = null;
    try {
      config = binder.treeToValue(tree.root(), PassageConfig.class);
    } catch (MismatchedInputException e) {
      String path = pathOf(e.getPath());
      errors.add(new ConfigError(fileName, tree.lineOf(path), path, "wrong type: " + e.getOriginalMessage()));
    } catch (IOException | IllegalArgumentException e) {
      errors.add(new ConfigError(fileName, 0, "", "cannot bind: " + e.getMessage()));
    }
    if (config != null) {
      new ConfigValidator(fileName, tree::lineOf, errors).validate(config);
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return config;
  }

  /** Validates a config built in code (the CLI's quick-start), reporting errors against {@code source}. */
  public static PassageConfig validate(String source, PassageConfig config) throws ConfigException {
    List<ConfigError> errors = new ArrayList<>();
    new ConfigValidator(source, path -> 0, errors).validate(config);
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return config;
  }

  private static String pathOf(List<com.fasterxml.jackson.databind.JsonMappingException.Reference> refs) {
    StringBuilder b = new StringBuilder();
    for (var ref : refs) {
      if (ref.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        b.append('[').append(ref.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  static String pathOf(JsonStreamContext ctx) {
    List<String> parts = new ArrayList<>();
    for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        parts.add(0, "[" + Math.max(c.getCurrentIndex(), 0) + "]");
      } else if (c.getCurrentName() != null) {
        parts.add(0, "." + c.getCurrentName());
      }
    }
    String joined = String.join("", parts);
    return joined.startsWith(".") ? joined.substring(1) : joined;
  }

  /** Turns binding problems into errors and carries on, so one run reports all of them. */
  private static final class CollectingProblems extends DeserializationProblemHandler {
    private final String file;
    private final LocatedTree tree;
    private final List<ConfigError> errors;

    CollectingProblems(String file, LocatedTree tree, List<ConfigError> errors) {
      this.file = file;
      this.tree = tree;
      this.errors = errors;
    }

    @Override
    public boolean handleUnknownProperty(
        DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer, Object bean, String name)
        throws IOException {
      String here = pathOf(p.getParsingContext());
      String path = here.equals(name) || here.endsWith("." + name) ? here : (here.isEmpty() ? name : here + "." + name);
      errors.add(new ConfigError(file, tree.lineOf(path), path, "unknown key"));
      p.skipChildren();
      return true;
    }

    @Override
    public Object handleWeirdStringValue(
        DeserializationContext ctxt, Class<?> targetType, String value, String failureMsg) {
      String path = pathOf(ctxt.getParser().getParsingContext());
      errors.add(new ConfigError(file, tree.lineOf(path), path, "expected " + describe(targetType) + ", got \"" + value + "\""));
      return null;
    }

    @Override
    public Object handleUnexpectedToken(
        DeserializationContext ctxt, JavaType targetType, JsonToken t, JsonParser p, String failureMsg) {
      String path = pathOf(p.getParsingContext());
      if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
        try {
          p.skipChildren();
        } catch (IOException e) {
          return NOT_HANDLED;
        }
      }
      errors.add(new ConfigError(file, tree.lineOf(path), path, "expected " + describe(targetType.getRawClass())));
      return null;
    }

    private static String describe(Class<?> type) {
      if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
        return "a whole number";
      }
      if (type == Boolean.class || type == boolean.class) {
        return "true or false";
      }
      if (List.class.isAssignableFrom(type)) {
        return "a list";
      }
      if (type == String.class) {
        return "a string";
      }
      return "a mapping";
    }
  }
}
