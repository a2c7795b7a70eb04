package dev.vsim.cpu.profile;

/**
 * One set-associative TLB.
 *
 * @param entries total entries
 * @param ways associativity (equal to entries for a fully associative TLB)
 * @param latencyCycles extra cycles of a hit at this level over an L1 hit
 */
public record TlbLevel(int entries, int ways, int latencyCycles) {
  public TlbLevel {
    Checks.positive("entries", entries);
    Checks.positive("ways", ways);
    Checks.nonNegative("latencyCycles", latencyCycles);
    if (entries % ways != 0) {
      throw new IllegalArgumentException(
          "ways (" + ways + ") must divide entries (" + entries + ")");
    }
  }

  public int sets() {
    return entries / ways;
  }
}
