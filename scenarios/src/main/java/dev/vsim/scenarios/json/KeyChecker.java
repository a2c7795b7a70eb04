package dev.vsim.scenarios.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Finds unknown keys in a whole document before it is bound, so that a misspelled key is reported
 * as such rather than as the missing value it was meant to give. Walks the tree beside the record
 * types: record components, lists, maps and {@code "type"}-selected subtypes.
 */
final class KeyChecker {
  private KeyChecker() {}

  static void check(JsonNode node, Type type, String pointer, SourceMap sources)
      throws ScenarioException {
    if (type instanceof ParameterizedType pt) {
      Class<?> raw = (Class<?>) pt.getRawType();
      if (List.class.isAssignableFrom(raw) && node.isArray()) {
        for (int i = 0; i < node.size(); i++) {
          check(node.get(i), pt.getActualTypeArguments()[0], Pointers.child(pointer, i), sources);
        }
      } else if (Map.class.isAssignableFrom(raw) && node.isObject()) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> e = it.next();
          check(
              e.getValue(),
              pt.getActualTypeArguments()[1],
              Pointers.child(pointer, e.getKey()),
              sources);
        }
      }
      return;
    }
    if (!(type instanceof Class<?> c) || !node.isObject()) {
      return; // binding reports kind mismatches
    }
    if (c.isInterface()) {
      JsonNode id = node.get("type");
      Class<?> sub = id == null ? null : Subtypes.of(c).get(id.asText());
      if (sub != null) {
        checkRecord(node, sub, pointer, sources, true);
      }
      return;
    }
    if (c.isRecord()) {
      checkRecord(node, c, pointer, sources, false);
    }
  }

  private static void checkRecord(
      JsonNode node, Class<?> c, String pointer, SourceMap sources, boolean typed)
      throws ScenarioException {
    if (!c.isRecord()) {
      return;
    }
    List<Object> names = new ArrayList<>();
    for (RecordComponent rc : c.getRecordComponents()) {
      names.add(rc.getName());
    }
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String child = Pointers.child(pointer, e.getKey());
      if (typed && e.getKey().equals("type")) {
        continue;
      }
      RecordComponent rc = component(c, e.getKey());
      if (rc == null) {
        throw ScenarioException.at(
            sources.locateName(child), child, StrictJson.unknownKey(e.getKey(), names));
      }
      check(e.getValue(), rc.getGenericType(), child, sources);
    }
  }

  private static RecordComponent component(Class<?> c, String name) {
    for (RecordComponent rc : c.getRecordComponents()) {
      if (rc.getName().equals(name)) {
        return rc;
      }
    }
    return null;
  }
}
