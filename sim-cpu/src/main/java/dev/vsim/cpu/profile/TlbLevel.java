package dev.vsim.cpu.profile;

/**
 * One set-associative TLB.
 *
 * @param entries total entries
 * @param ways associativity (equal to entries for a fully associative TLB)
 * @param latencyCycles extra cycles of a hit at this level over an L1 hit
 * @param replacement replacement policy by name ({@code vsim plugins tlb-replacement-policy} lists
 *     them); may be omitted (null): the TLB hierarchy's {@link TlbHierarchy#replacement}
 */
public record TlbLevel(int entries, int ways, int latencyCycles, @MayOmit String replacement) {
  /** A structure with its hierarchy's replacement policy. */
  public TlbLevel(int entries, int ways, int latencyCycles) {
    this(entries, ways, latencyCycles, null);
  }

  public TlbLevel {
    Checks.positive("entries", entries);
    Checks.positive("ways", ways);
    Checks.nonNegative("latencyCycles", latencyCycles);
    if (entries % ways != 0) {
      throw new IllegalArgumentException(
          "ways (" + ways + ") must divide entries (" + entries + ")");
    }
  }

  /** This structure's replacement policy: its own, else {@code fallback} (the hierarchy's). */
  public String replacementOr(String fallback) {
    return replacement != null ? replacement : fallback;
  }

  public int sets() {
    return entries / ways;
  }
}
