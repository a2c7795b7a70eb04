package dev.vsim.scenarios.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vsim.cpu.profile.MayOmit;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * For binding a document that must be complete: writes an explicit null for every {@link MayOmit}
 * record component the document leaves out, so that the record's constructor gives it its default
 * where any other missing key is an error. Walks the tree beside the record types, as {@link
 * KeyChecker} does.
 */
final class Omissions {
  private Omissions() {}

  /** Fills {@code node} in place. */
  static void fill(JsonNode node, Type type) {
    if (type instanceof ParameterizedType pt) {
      Class<?> raw = (Class<?>) pt.getRawType();
      if (List.class.isAssignableFrom(raw) && node.isArray()) {
        for (JsonNode element : node) {
          fill(element, pt.getActualTypeArguments()[0]);
        }
      } else if (Map.class.isAssignableFrom(raw) && node.isObject()) {
        Iterator<JsonNode> it = node.elements();
        while (it.hasNext()) {
          fill(it.next(), pt.getActualTypeArguments()[1]);
        }
      }
      return;
    }
    if (!(type instanceof Class<?> c) || !c.isRecord() || !(node instanceof ObjectNode object)) {
      return;
    }
    for (RecordComponent rc : c.getRecordComponents()) {
      JsonNode child = object.get(rc.getName());
      if (child == null) {
        if (rc.isAnnotationPresent(MayOmit.class)) {
          object.putNull(rc.getName());
        }
      } else {
        fill(child, rc.getGenericType());
      }
    }
  }
}
