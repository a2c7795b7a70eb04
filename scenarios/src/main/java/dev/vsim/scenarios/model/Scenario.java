package dev.vsim.scenarios.model;

import java.util.List;

/**
 * One experiment, as written in a scenario file (after a variant's overrides are applied). Every
 * field but {@code name} and {@code vms} has a default; the resolved scenario written with each run
 * shows them all.
 *
 * @param name short identifier, used in result directory names
 * @param description what the experiment shows, for the summary
 * @param seed seed of every random stream of the run
 * @param host the host machine: a hardware profile by name plus overrides
 * @param hypervisor the hypervisor's design choices
 * @param vms the virtual machines, in order ({@code vm0}, {@code vm1}, ...)
 * @param stop when the simulation ends if the workloads have not finished
 * @param published figures from the literature to show beside the simulated metrics
 */
public record Scenario(
    String name,
    String description,
    Long seed,
    HostSpec host,
    HypervisorSpec hypervisor,
    List<VmSpec> vms,
    StopSpec stop,
    List<PublishedFigure> published) {

  public static final long DEFAULT_SEED = 1;

  public Scenario {
    if (name == null) {
      throw new IllegalArgumentException("a scenario needs a \"name\"");
    }
    if (name.isBlank()) {
      // Named first, so that the error points at the empty value rather than at the file.
      throw new IllegalArgumentException(
          "name is empty; give the scenario a name such as \"my-test\"");
    }
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException(
          "name \"" + name + "\" may only use letters, digits, '.', '_' and '-'");
    }
    description = description == null ? "" : description;
    seed = seed == null ? DEFAULT_SEED : seed;
    host = host == null ? new HostSpec(null, null, null) : host;
    hypervisor =
        hypervisor == null
            ? new HypervisorSpec(null, null, null, null, null, null, null, null, null, null)
            : hypervisor;
    if (vms == null) {
      throw new IllegalArgumentException("a scenario needs at least one VM in \"vms\"");
    }
    if (vms.isEmpty()) {
      throw new IllegalArgumentException(
          "vms is empty; a scenario needs at least one VM, e.g. [{\"workload\": {\"type\":"
              + " \"vmexit\"}}]");
    }
    vms = List.copyOf(vms);
    stop = stop == null ? new StopSpec(null) : stop;
    published = published == null ? List.of() : List.copyOf(published);
  }
}
