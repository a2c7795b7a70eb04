package dev.vsim.scenarios.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.vsim.cpu.registry.Registry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Strict loading of scenario and profile files into Java records: parse with positions, apply
 * overrides (variants, {@code --set}) while remembering where each value came from, bind, and
 * report every mistake as {@code file:line:col: problem (at /json/pointer)}.
 */
public final class StrictJson {
  private final ObjectMapper lenientWriter;
  private final ObjectMapper strict;
  private final ObjectMapper complete;

  public StrictJson() {
    this.strict = mapper(false);
    this.complete = mapper(true);
    this.lenientWriter = strict;
  }

  private static ObjectMapper mapper(boolean requireAll) {
    JsonMapper m =
        JsonMapper.builder()
            .addModule(new UnitsModule())
            .addModule(new NamesModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            // Enums are written by their scenario names (toString), e.g. "self-ipi".
            .enable(DeserializationFeature.READ_ENUMS_USING_TO_STRING)
            .enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, requireAll)
            .registerSubtypes(Subtypes.named())
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();
    // No silent conversions between JSON kinds: "8" is not 8, 1 is not true, 8 is not "8".
    m.coercionConfigDefaults()
        .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    m.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
    m.coercionConfigFor(LogicalType.Enum)
        .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
    m.coercionConfigFor(LogicalType.Integer)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
    m.coercionConfigFor(LogicalType.Float)
        .setCoercion(CoercionInputShape.Float, CoercionAction.TryConvert)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
    m.coercionConfigFor(LogicalType.Boolean)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.TryConvert);
    return m;
  }

  /** Parses a document, keeping the position of everything in it. */
  public SourceDocument parse(String file, String text) throws ScenarioException {
    return DocumentParser.parse(file, text);
  }

  /** Binds a tree to {@code type}; absent keys take the record's defaults. */
  public <T> T bind(JsonNode tree, SourceMap sources, Class<T> type) throws ScenarioException {
    return bind(strict, tree, sources, type);
  }

  /**
   * Binds a tree to {@code type}; every key of every record must be present but those marked {@link
   * dev.vsim.cpu.profile.MayOmit}, which take the record's defaults.
   */
  public <T> T bindComplete(JsonNode tree, SourceMap sources, Class<T> type)
      throws ScenarioException {
    JsonNode filled = tree.deepCopy();
    Omissions.fill(filled, type);
    return bind(complete, filled, sources, type);
  }

  private <T> T bind(ObjectMapper m, JsonNode tree, SourceMap sources, Class<T> type)
      throws ScenarioException {
    KeyChecker.check(tree, type, "", sources);
    try {
      return m.readerFor(type).readValue(m.treeAsTokens(tree));
    } catch (JsonMappingException e) {
      throw translate(e, tree, sources);
    } catch (InputCoercionException e) {
      throw new ScenarioException(sources.file(), 0, 0, null, "number out of range");
    } catch (IOException e) {
      throw new ScenarioException(sources.file(), 0, 0, null, e.getMessage());
    }
  }

  /** Pretty, deterministic JSON of a bound record tree, with a trailing newline. */
  public String toPrettyJson(Object value) {
    try {
      return lenientWriter.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName(), e);
    }
  }

  /** The mapper used for writing, for callers that build trees of their own. */
  public ObjectMapper mapper() {
    return lenientWriter;
  }

  /**
   * For an error about a whole object of a document that others override (a profile under a
   * scenario's {@code host.overrides} or a {@code --set}): the overriding value the message names,
   * or, for an error about the document's root, the first overriding value. Null when the object is
   * not the document's or nothing in it is overridden. Without this an override that breaks a
   * profile's consistency was reported at 1:1 of the bundled profile.
   */
  private static String writtenElsewhere(
      JsonNode object, String pointer, SourceMap sources, String msg) {
    if (!sources.locate(pointer).file().equals(sources.file())) {
      return null;
    }
    List<String> overridden = new ArrayList<>();
    collectOverridden(object, pointer, sources, overridden);
    for (String p : overridden) {
      String key = p.substring(p.lastIndexOf('/') + 1);
      if (!key.isEmpty()
          && msg.matches("(?s).*\\b" + java.util.regex.Pattern.quote(key) + "\\b.*")) {
        return p;
      }
    }
    return pointer.isEmpty() && !overridden.isEmpty() ? overridden.get(0) : null;
  }

  private static void collectOverridden(
      JsonNode node, String pointer, SourceMap sources, List<String> into) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> f = it.next();
        collectOverridden(f.getValue(), Pointers.child(pointer, f.getKey()), sources, into);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectOverridden(node.get(i), Pointers.child(pointer, i), sources, into);
      }
    } else if (!sources.locate(pointer).file().equals(sources.file())) {
      into.add(pointer);
    }
  }

  private ScenarioException translate(JsonMappingException e, JsonNode tree, SourceMap sources) {
    String pointer = pointerOf(e.getPath());
    Origin at = sources.locate(pointer);
    if (e instanceof UnrecognizedPropertyException u) {
      String key = u.getPropertyName();
      return ScenarioException.at(
          sources.locateName(pointer), pointer, unknownKey(key, u.getKnownPropertyIds()));
    }
    if (e instanceof InvalidTypeIdException t) {
      String id = t.getTypeId();
      String parent = pointer;
      JsonNode node = tree.at(parent);
      if (id == null || !node.has("type")) {
        return ScenarioException.at(
            at, pointer, "missing \"type\"; " + choices(t.getBaseType().getRawClass()));
      }
      return ScenarioException.at(
          sources.locate(Pointers.child(parent, "type")),
          Pointers.child(parent, "type"),
          "unknown type \"" + id + "\"; " + choices(t.getBaseType().getRawClass()));
    }
    if (e instanceof UnitsModule.BadValue) {
      return ScenarioException.at(at, pointer, e.getOriginalMessage());
    }
    if (e instanceof ValueInstantiationException v) {
      Throwable cause = v.getCause();
      String msg =
          cause instanceof IllegalArgumentException && cause.getMessage() != null
              ? cause.getMessage()
              : "invalid value: " + (cause == null ? v.getOriginalMessage() : cause.getMessage());
      // Records name the offending component first ("vcpus must be..."): point at it.
      String field = msg.split("[ (:]", 2)[0];
      JsonNode object = tree.at(pointer);
      if (object.isObject() && object.has(field)) {
        // Of the fields the message names, blame one the user wrote over one they did not (a
        // profile's value that a scenario's override no longer fits).
        if (sources.locate(Pointers.child(pointer, field)).file().equals(sources.file())) {
          Iterator<String> names = object.fieldNames();
          while (names.hasNext()) {
            String k = names.next();
            if (!k.equals(field)
                && msg.matches("(?s).*\\b" + java.util.regex.Pattern.quote(k) + "\\b.*")
                && !sources.locate(Pointers.child(pointer, k)).file().equals(sources.file())) {
              field = k;
              break;
            }
          }
        }
        String p = Pointers.child(pointer, field);
        return ScenarioException.at(sources.locate(p), p, msg);
      }
      String written = writtenElsewhere(object, pointer, sources, msg);
      if (written != null) {
        return ScenarioException.at(sources.locate(written), written, msg);
      }
      return ScenarioException.at(at, pointer, msg);
    }
    if (e instanceof MismatchedInputException m) {
      JsonNode node = tree.at(pointer);
      Class<?> target = m.getTargetType();
      String orig = m.getOriginalMessage();
      if (orig.startsWith("Missing required creator property")) {
        String key = orig.replaceAll("Missing required creator property '([^']*)'.*", "$1");
        return ScenarioException.at(at, pointer, "missing key \"" + key + "\"");
      }
      if (target != null && target.isEnum()) {
        if (node.isTextual()) {
          return ScenarioException.at(
              at, pointer, "unknown value \"" + node.asText() + "\"; " + enumChoices(target));
        }
        return ScenarioException.at(
            at, pointer, "expected a string, got " + Kinds.of(node) + "; " + enumChoices(target));
      }
      if (target != null && node.isNumber() && Kinds.expected(target).equals("an integer")) {
        if (!node.isIntegralNumber()) {
          return ScenarioException.at(at, pointer, "expected an integer, got " + node.asText());
        }
        return ScenarioException.at(
            at, pointer, "integer " + node.asText() + " is out of range for this field");
      }
      if (target != null) {
        return ScenarioException.at(
            at, pointer, "expected " + Kinds.expected(target) + ", got " + Kinds.of(node));
      }
      return ScenarioException.at(at, pointer, orig);
    }
    Throwable cause = e.getCause();
    if (cause instanceof IllegalArgumentException iae && iae.getMessage() != null) {
      return ScenarioException.at(at, pointer, iae.getMessage());
    }
    return ScenarioException.at(at, pointer, e.getOriginalMessage());
  }

  private static String pointerOf(List<JsonMappingException.Reference> path) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : path) {
      if (r.getFieldName() != null) {
        sb.append('/').append(r.getFieldName().replace("~", "~0").replace("/", "~1"));
      } else if (r.getIndex() >= 0) {
        sb.append('/').append(r.getIndex());
      }
    }
    return sb.toString();
  }

  static String unknownKey(String key, Collection<Object> known) {
    List<String> names = new ArrayList<>();
    for (Object k : known) {
      names.add(String.valueOf(k));
    }
    names.sort(Comparator.naturalOrder());
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String n : names) {
      int d = Registry.distance(key.toLowerCase(), n.toLowerCase());
      if (d < bestDistance) {
        bestDistance = d;
        best = n;
      }
    }
    int tolerance = Math.max(2, key.length() / 3);
    if (best != null && bestDistance <= tolerance) {
      return "unknown key \"" + key + "\"; did you mean \"" + best + "\"?";
    }
    return "unknown key \"" + key + "\"; allowed keys: " + String.join(", ", names);
  }

  private static String enumChoices(Class<?> e) {
    List<String> names = new ArrayList<>();
    for (Object c : e.getEnumConstants()) {
      names.add(idOf(c));
    }
    return "use one of: " + String.join(", ", names);
  }

  private static String idOf(Object enumConstant) {
    try {
      var m = enumConstant.getClass().getMethod("id");
      return String.valueOf(m.invoke(enumConstant));
    } catch (ReflectiveOperationException e) {
      return ((Enum<?>) enumConstant).name();
    }
  }

  private static String choices(Class<?> base) {
    Map<String, Class<?>> types = Subtypes.of(base);
    if (types.isEmpty()) {
      return "no types are known";
    }
    return "use one of: " + String.join(", ", types.keySet());
  }

  // ---- overrides -------------------------------------------------------------------------

  /**
   * Applies an override object to {@code root}: members whose key is a JSON pointer ({@code
   * "/vms/0/vcpus": 8}) set that one field; other members are deep-merged (objects merged key by
   * key, arrays and scalars replaced). {@code bodyPointer} is where the body sits in the source
   * document, so the origins of the values it brings are recorded in {@code sources}.
   */
  public void applyOverrides(ObjectNode root, JsonNode body, String bodyPointer, SourceMap sources)
      throws ScenarioException {
    applyOverrides(root, sources, body, bodyPointer, sources);
  }

  /**
   * As {@link #applyOverrides(ObjectNode, JsonNode, String, SourceMap)}, for a body written in
   * another document than the tree it changes (a scenario's changes to a hardware profile).
   */
  public void applyOverrides(
      ObjectNode root, SourceMap sources, JsonNode body, String bodyPointer, SourceMap bodySources)
      throws ScenarioException {
    if (!body.isObject()) {
      throw ScenarioException.at(
          bodySources.locate(bodyPointer),
          bodyPointer,
          "overrides must be an object, got " + Kinds.of(body));
    }
    Iterator<Map.Entry<String, JsonNode>> it = body.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> f = it.next();
      String from = Pointers.child(bodyPointer, f.getKey());
      if (f.getKey().startsWith("/")) {
        setAt(root, f.getKey(), f.getValue().deepCopy(), bodySources.locateName(from), sources);
        sources.graftFrom(bodySources, from, f.getKey());
      } else {
        merge(root, "", f.getKey(), f.getValue(), from, sources, bodySources);
      }
    }
  }

  private void merge(
      ObjectNode target,
      String targetPointer,
      String key,
      JsonNode v,
      String from,
      SourceMap src,
      SourceMap bodySrc) {
    String here = Pointers.child(targetPointer, key);
    JsonNode existing = target.get(key);
    if (v.isObject() && existing != null && existing.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = v.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> f = it.next();
        merge(
            (ObjectNode) existing,
            here,
            f.getKey(),
            f.getValue(),
            Pointers.child(from, f.getKey()),
            src,
            bodySrc);
      }
    } else {
      target.set(key, v.deepCopy());
      src.graftFrom(bodySrc, from, here);
    }
  }

  /** Applies {@code --set /json/pointer=value}. */
  public void applySet(ObjectNode root, String assignment, SourceMap sources)
      throws ScenarioException {
    Origin origin = Origin.commandLine("--set " + assignment);
    int eq = assignment.indexOf('=');
    if (eq < 0) {
      throw ScenarioException.at(
          origin, null, "expected /json/pointer=value, e.g. --set /vms/0/vcpus=8");
    }
    String pointer = assignment.substring(0, eq);
    String text = assignment.substring(eq + 1);
    if (!pointer.startsWith("/")) {
      throw ScenarioException.at(
          origin, pointer, "the pointer must start with '/', e.g. /vms/0/vcpus");
    }
    JsonNode value = DocumentParser.parseValueOrNull(text);
    if (value == null) {
      if (text.strip().equals("null")) {
        throw ScenarioException.at(origin, pointer, "null is not allowed");
      }
      value = sources == null ? null : com.fasterxml.jackson.databind.node.TextNode.valueOf(text);
    }
    setAt(root, pointer, value, origin, sources);
    sources.override(pointer, origin);
  }

  private static void setAt(
      ObjectNode root, String pointer, JsonNode value, Origin origin, SourceMap sources)
      throws ScenarioException {
    if (pointer.matches("(?s).*~(?![01]).*")) {
      throw ScenarioException.at(
          origin,
          pointer,
          "a '~' in a pointer starts an escape: write ~0 for '~' and ~1 for '/' in a key");
    }
    String[] tokens = pointer.substring(1).split("/", -1);
    JsonNode node = root;
    String walked = "";
    for (int i = 0; i < tokens.length - 1; i++) {
      String t = Pointers.unescape(tokens[i]);
      walked = walked + "/" + tokens[i];
      JsonNode next = childOf(node, t);
      if (node.isArray() && next == null) {
        throw ScenarioException.at(
            origin,
            pointer,
            "index " + t + " is out of range; the array has " + node.size() + " elements");
      }
      if (next == null && node.isObject()) {
        // Create the objects the pointer passes through; binding checks their keys.
        next = ((ObjectNode) node).putObject(t);
        if (sources != null) {
          sources.override(walked, origin); // an unknown key there is the override's mistake
        }
      }
      if (!(next.isObject() || next.isArray())) {
        throw ScenarioException.at(
            origin, pointer, walked + " is " + Kinds.of(next) + ", not an object or array");
      }
      node = next;
    }
    String last = Pointers.unescape(tokens[tokens.length - 1]);
    if (node.isObject()) {
      if (last.isEmpty()) {
        throw ScenarioException.at(origin, pointer, "the pointer ends with an empty key");
      }
      ((ObjectNode) node).set(last, value);
    } else {
      ArrayNode a = (ArrayNode) node;
      int index = indexOf(last);
      if (index < 0 || index > a.size()) {
        throw ScenarioException.at(
            origin,
            pointer,
            "index " + last + " is out of range; the array has " + a.size() + " elements");
      }
      if (index == a.size()) {
        a.add(value);
      } else {
        a.set(index, value);
      }
    }
  }

  private static JsonNode childOf(JsonNode node, String token) {
    if (node.isObject()) {
      return node.get(token);
    }
    int i = indexOf(token);
    return i >= 0 && i < node.size() ? node.get(i) : null;
  }

  private static int indexOf(String token) {
    if (token.isEmpty() || token.length() > 9 || !token.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Integer.parseInt(token);
  }
}
