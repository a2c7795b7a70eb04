package dev.vsim.hypervisor.memory;

/**
 * Where the host places a VM's memory, as numactl sets the policy of the VMM's process: {@code
 * local} (Linux's default, MPOL_LOCAL: the node of the CPU whose thread faults the page in, first
 * touch), {@code bind:N} (numactl --membind=N, MPOL_BIND) or {@code interleave} (numactl
 * --interleave=all, MPOL_INTERLEAVE: page by page over the nodes by the page's offset in the
 * mapping, as interleave_nid does for a VMA policy; a huge page is one unit).
 *
 * @param kind the policy
 * @param node the bound node ({@code bind:N}), else -1
 */
public record MemoryPolicy(Kind kind, int node) {
  public enum Kind {
    LOCAL,
    BIND,
    INTERLEAVE
  }

  public static final MemoryPolicy LOCAL = new MemoryPolicy(Kind.LOCAL, -1);
  public static final MemoryPolicy INTERLEAVE = new MemoryPolicy(Kind.INTERLEAVE, -1);

  public MemoryPolicy {
    if ((kind == Kind.BIND) != (node >= 0)) {
      throw new IllegalArgumentException("bind names one node; local and interleave none");
    }
  }

  /** {@code local}, {@code interleave} or {@code bind:N}. */
  public static MemoryPolicy parse(String s) {
    if (s == null || s.equals("local")) {
      return LOCAL;
    }
    if (s.equals("interleave")) {
      return INTERLEAVE;
    }
    if (s.startsWith("bind:")) {
      try {
        int n = Integer.parseInt(s.substring(5));
        if (n >= 0) {
          return new MemoryPolicy(Kind.BIND, n);
        }
      } catch (NumberFormatException e) {
        // falls through to the error
      }
    }
    throw new IllegalArgumentException(
        "memory policy \"" + s + "\": use local, interleave or bind:N (a node number)");
  }

  /**
   * The node of page {@code page} (its index in the mapping) faulted in by a thread on node {@code
   * cpuNode}, on a host of {@code nodes} nodes.
   */
  public int nodeFor(long page, int cpuNode, int nodes) {
    return switch (kind) {
      case LOCAL -> cpuNode;
      case BIND -> node;
      case INTERLEAVE -> (int) (page % nodes);
    };
  }

  @Override
  public String toString() {
    return kind == Kind.BIND ? "bind:" + node : kind.name().toLowerCase(java.util.Locale.ROOT);
  }
}
