package dev.vsim.scenarios.json;

import com.fasterxml.jackson.databind.jsontype.NamedType;
import dev.vsim.cpu.registry.Registry;
import dev.vsim.scenarios.model.WorkloadSpec;
import dev.vsim.scenarios.model.WorkloadSpecs;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The polymorphic types of scenario files ({@code "type"} names) as the registries declare them,
 * for binding and for finding unknown keys: the registry is the one place a workload is named.
 */
final class Subtypes {
  private Subtypes() {}

  /** The subtypes of {@code base} by name, in registration order (empty if it has none). */
  static Map<String, Class<?>> of(Class<?> base) {
    Map<String, Class<?>> out = new LinkedHashMap<>();
    if (base == WorkloadSpec.class) {
      for (Registry.Entry<Class<? extends WorkloadSpec>> e : WorkloadSpecs.REGISTRY.entries()) {
        out.put(e.name(), e.value());
      }
    }
    return out;
  }

  /** Every subtype with its name, for the mapper. */
  static NamedType[] named() {
    return of(WorkloadSpec.class).entrySet().stream()
        .map(e -> new NamedType(e.getValue(), e.getKey()))
        .toArray(NamedType[]::new);
  }
}
