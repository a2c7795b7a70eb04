package dev.vsim.scenarios.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Map;

/** Words for JSON value kinds and Java target types, for error messages. */
final class Kinds {
  private Kinds() {}

  static String of(JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "nothing";
    }
    if (n.isTextual()) {
      return "a string";
    }
    if (n.isIntegralNumber()) {
      return "an integer";
    }
    if (n.isNumber()) {
      return "a decimal number";
    }
    if (n.isBoolean()) {
      return "a boolean";
    }
    if (n.isArray()) {
      return "an array";
    }
    if (n.isObject()) {
      return "an object";
    }
    return "null";
  }

  static String token(JsonParser p) {
    if (p.currentToken() == null) {
      return "nothing";
    }
    return switch (p.currentToken()) {
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a decimal number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      default -> p.currentToken().toString();
    };
  }

  static String expected(Type t) {
    if (!(t instanceof Class<?> c)) {
      return "a value";
    }
    if (c == int.class || c == Integer.class || c == long.class || c == Long.class) {
      return "an integer";
    }
    if (c == double.class || c == Double.class || c == float.class || c == Float.class) {
      return "a number";
    }
    if (c == boolean.class || c == Boolean.class) {
      return "true or false";
    }
    if (c == String.class) {
      return "a string";
    }
    if (Collection.class.isAssignableFrom(c) || c.isArray()) {
      return "an array";
    }
    if (c.isEnum()) {
      return "a string";
    }
    if (Map.class.isAssignableFrom(c) || c.isRecord() || c.isInterface()) {
      return "an object";
    }
    return "a " + c.getSimpleName();
  }
}
