package dev.vsim.scenarios.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The hypervisor's design choices.
 *
 * @param paging how guest memory is virtualized: {@code ept} (two-dimensional walks), {@code
 *     shadow} (the hypervisor's combined tables) or {@code native} (no virtualization, for
 *     reference)
 */
public record HypervisorSpec(Paging paging) {

  /** Memory virtualization mode. */
  public enum Paging {
    EPT("ept"),
    SHADOW("shadow"),
    NATIVE("native");

    private final String id;

    Paging(String id) {
      this.id = id;
    }

    @JsonValue
    public String id() {
      return id;
    }

    @JsonCreator
    public static Paging of(String id) {
      for (Paging p : values()) {
        if (p.id.equals(id)) {
          return p;
        }
      }
      throw new IllegalArgumentException(
          "unknown paging mode \"" + id + "\"; use ept, shadow or native");
    }
  }

  public HypervisorSpec {
    paging = paging == null ? Paging.EPT : paging;
  }
}
