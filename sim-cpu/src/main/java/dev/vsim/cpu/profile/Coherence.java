package dev.vsim.cpu.profile;

/**
 * What moving a modified cache line from the core that wrote it last to another costs, by the
 * distance between the two hardware threads: the lock word of a lock handed to the next waiter, a
 * shared counter, a page-table entry written by compare-exchange.
 *
 * @param smtSiblingCycles the other hardware thread of the same core (the line is in their shared
 *     L1D and L2)
 * @param socketCycles another core of the same socket (through the LLC and snoop filter)
 * @param remoteSocketCycles a core of another socket (across the inter-socket link)
 */
public record Coherence(int smtSiblingCycles, int socketCycles, int remoteSocketCycles) {
  public Coherence {
    Checks.nonNegative("smtSiblingCycles", smtSiblingCycles);
    Checks.nonNegative("socketCycles", socketCycles);
    Checks.nonNegative("remoteSocketCycles", remoteSocketCycles);
  }
}
