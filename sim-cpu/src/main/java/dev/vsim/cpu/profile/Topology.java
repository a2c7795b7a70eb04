package dev.vsim.cpu.profile;

/**
 * The shape of the host.
 *
 * @param sockets physical packages
 * @param coresPerSocket physical cores in each package
 * @param threadsPerCore SMT threads per core (1 or 2 on Intel server parts)
 */
public record Topology(int sockets, int coresPerSocket, int threadsPerCore) {
  public Topology {
    Checks.positive("sockets", sockets);
    Checks.positive("coresPerSocket", coresPerSocket);
    Checks.positive("threadsPerCore", threadsPerCore);
  }

  public int hardwareThreads() {
    return sockets * coresPerSocket * threadsPerCore;
  }
}
