package dev.vsim.scenarios.json;

import java.util.HashMap;
import java.util.Map;

/**
 * Positions of every value and member name of a parsed document, by JSON pointer, so that an error
 * found after binding can be reported where the user wrote the value. Overrides (variants, {@code
 * --set}) register the origin of the values they put into a tree.
 */
public final class SourceMap {
  private final String file;
  private final Map<String, Origin> values = new HashMap<>();
  private final Map<String, Origin> names = new HashMap<>();

  SourceMap(String file) {
    this.file = file;
  }

  public String file() {
    return file;
  }

  void value(String pointer, int line, int column) {
    values.put(pointer, new Origin(file, line, column));
  }

  void name(String pointer, int line, int column) {
    names.put(pointer, new Origin(file, line, column));
  }

  /** Records that the value at {@code pointer} (and everything below it) came from {@code o}. */
  public void override(String pointer, Origin o) {
    values.keySet().removeIf(p -> p.equals(pointer) || p.startsWith(pointer + "/"));
    names.keySet().removeIf(p -> p.equals(pointer) || p.startsWith(pointer + "/"));
    values.put(pointer, o);
  }

  /** Copies the positions of {@code from}'s subtree (in this map) to sit under {@code to}. */
  public void graft(String from, String to) {
    graftFrom(this, from, to);
  }

  /** Copies the positions of {@code from}'s subtree in {@code other} to sit under {@code to}. */
  public void graftFrom(SourceMap other, String from, String to) {
    Map<String, Origin> v = new HashMap<>();
    Map<String, Origin> n = new HashMap<>();
    other.values.forEach((p, o) -> rebase(p, from, to, o, v));
    other.names.forEach((p, o) -> rebase(p, from, to, o, n));
    if (!v.containsKey(to)) {
      // Written as part of a larger value (a whole --set object): that value's position.
      v.put(to, other.locate(from));
    }
    values.keySet().removeIf(p -> p.equals(to) || p.startsWith(to + "/"));
    names.keySet().removeIf(p -> p.equals(to) || p.startsWith(to + "/"));
    values.putAll(v);
    names.putAll(n);
  }

  private static void rebase(String p, String from, String to, Origin o, Map<String, Origin> out) {
    if (p.equals(from)) {
      out.put(to, o);
    } else if (p.startsWith(from + "/")) {
      out.put(to + p.substring(from.length()), o);
    }
  }

  /** A copy, so each variant can record its own overrides. */
  public SourceMap copy() {
    SourceMap m = new SourceMap(file);
    m.values.putAll(values);
    m.names.putAll(names);
    return m;
  }

  /** Position of the value at {@code pointer}, or of its nearest ancestor. */
  public Origin locate(String pointer) {
    String p = pointer;
    while (true) {
      Origin o = values.get(p);
      if (o != null) {
        return o;
      }
      if (p.isEmpty()) {
        return new Origin(file, 1, 1);
      }
      p = p.substring(0, p.lastIndexOf('/'));
    }
  }

  /** Position of the member name at {@code pointer}, else of its value or nearest ancestor. */
  public Origin locateName(String pointer) {
    Origin o = names.get(pointer);
    return o != null ? o : locate(pointer);
  }
}
