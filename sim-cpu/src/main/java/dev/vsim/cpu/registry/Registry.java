package dev.vsim.cpu.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The implementations users can pick by name at one plug point (workloads, fault designs, host
 * schedulers, replacement policies...), each with a one-line description: a name in a scenario or a
 * profile is looked up here, and a misspelt one is answered with the closest known names.
 *
 * @param <T> what a name stands for (usually a factory)
 */
public final class Registry<T> {
  /** One registered name. */
  public record Entry<T>(String name, String doc, T value) {}

  private final String plugPoint;
  private final String doc;
  private final Map<String, Entry<T>> entries = new LinkedHashMap<>();

  /**
   * @param plugPoint what is being picked, for messages ("fault design", "workload")
   * @param doc one line on what the plug point decides
   */
  public Registry(String plugPoint, String doc) {
    this.plugPoint = plugPoint;
    this.doc = doc;
  }

  /** Registers {@code value} as {@code name}; names are unique. */
  public Registry<T> register(String name, String description, T value) {
    if (!name.matches("[a-z0-9][a-z0-9-]*")) {
      throw new IllegalArgumentException("bad " + plugPoint + " name \"" + name + "\"");
    }
    if (entries.putIfAbsent(name, new Entry<>(name, description, value)) != null) {
      throw new IllegalArgumentException(plugPoint + " \"" + name + "\" is registered twice");
    }
    return this;
  }

  public String plugPoint() {
    return plugPoint;
  }

  public String doc() {
    return doc;
  }

  /** Every name, in registration order. */
  public List<String> names() {
    return List.copyOf(entries.keySet());
  }

  /** Every entry, in registration order. */
  public List<Entry<T>> entries() {
    return Collections.unmodifiableList(new ArrayList<>(entries.values()));
  }

  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  public Optional<T> find(String name) {
    Entry<T> e = entries.get(name);
    return e == null ? Optional.empty() : Optional.of(e.value());
  }

  /**
   * The value registered as {@code name}.
   *
   * @throws IllegalArgumentException naming the closest known names, or all of them
   */
  public T get(String name) {
    Entry<T> e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException(unknown(name));
    }
    return e.value();
  }

  /** The message for a name that is not registered: a did-you-mean, and the names known. */
  public String unknown(String name) {
    StringBuilder m = new StringBuilder();
    m.append("unknown ").append(plugPoint).append(" \"").append(name).append("\"");
    List<String> close = closest(name);
    if (!close.isEmpty()) {
      m.append("; did you mean ").append(String.join(" or ", close)).append("?");
    }
    m.append(" (known: ").append(String.join(", ", names())).append(")");
    return m.toString();
  }

  /** Known names within a small edit distance of {@code name}, nearest first. */
  List<String> closest(String name) {
    int best = Integer.MAX_VALUE;
    List<String> out = new ArrayList<>();
    String lower = name == null ? "" : name.toLowerCase(java.util.Locale.ROOT);
    for (String known : entries.keySet()) {
      int d = distance(lower, known);
      if (d > Math.max(2, known.length() / 3)) {
        continue;
      }
      if (d < best) {
        best = d;
        out.clear();
      }
      if (d == best) {
        out.add(known);
      }
    }
    return out;
  }

  /** Levenshtein distance (insertions, deletions, substitutions), two rows. */
  public static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
