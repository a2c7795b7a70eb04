package dev.vsim.cpu.profile;

import dev.vsim.cpu.units.TimeSpan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Idle states and turbo: what a core does when it has nothing to run, and how fast the busy cores
 * run given how many of their package's cores are awake.
 *
 * @param coreStates core idle states by name ({@code "C1"}, {@code "C1E"}, {@code "C6"}); their
 *     MWAIT hints order them from shallow to deep
 * @param packageStates package idle states by name ({@code "PC2"}, {@code "PC6"})
 * @param c1eAutoPromotion whether the hardware enters C1E (the state with MWAIT hint 0x01) where C1
 *     was requested, e.g. by HLT
 * @param autoDemotion whether the hardware demotes a deep request to a shallower state when the
 *     thread's previous idle period was shorter than the requested state's target residency
 * @param deepStateDelay staged entry into deep states (MWAIT C-state field 1 or more, C3 and
 *     deeper): the core waits in the shallowest state this long before it commits; zero disables
 * @param turbo turbo frequency limits by active-core count
 * @param packageLatencyTolerance the longest package exit latency the platform accepts (the latency
 *     tolerance the PCIe devices and the chipset report, and the OS's PM QoS request): a package
 *     state whose exit latency exceeds it is never entered, and the package is held in a shallower
 *     one
 */
public record Power(
    Map<String, CoreCState> coreStates,
    Map<String, PackageCState> packageStates,
    boolean c1eAutoPromotion,
    boolean autoDemotion,
    TimeSpan deepStateDelay,
    Turbo turbo,
    TimeSpan packageLatencyTolerance) {

  /** MWAIT hint of C1, the state HLT requests. */
  public static final int C1_HINT = 0x00;

  /** MWAIT hint of C1E, C1's enhanced (lower-voltage) sub-state. */
  public static final int C1E_HINT = 0x01;

  /**
   * Linux's default CPU latency request (PM_QOS_CPU_LATENCY_DEFAULT_VALUE, 2000 s): no limit in
   * practice.
   */
  public static final TimeSpan NO_LATENCY_LIMIT = TimeSpan.seconds(2000);

  /** A host whose platform puts no limit on package exit latencies. */
  public Power(
      Map<String, CoreCState> coreStates,
      Map<String, PackageCState> packageStates,
      boolean c1eAutoPromotion,
      boolean autoDemotion,
      TimeSpan deepStateDelay,
      Turbo turbo) {
    this(
        coreStates,
        packageStates,
        c1eAutoPromotion,
        autoDemotion,
        deepStateDelay,
        turbo,
        NO_LATENCY_LIMIT);
  }

  public Power {
    Objects.requireNonNull(coreStates, "coreStates");
    Objects.requireNonNull(packageLatencyTolerance, "packageLatencyTolerance");
    Objects.requireNonNull(packageStates, "packageStates");
    Objects.requireNonNull(deepStateDelay, "deepStateDelay");
    Objects.requireNonNull(turbo, "turbo");
    if (coreStates.isEmpty()) {
      throw new IllegalArgumentException("coreStates must list at least one state (C1)");
    }
    coreStates = Map.copyOf(coreStates);
    packageStates = Map.copyOf(packageStates);
    List<String> names = orderedCoreStates(coreStates);
    for (int i = 1; i < names.size(); i++) {
      int a = coreStates.get(names.get(i - 1)).mwaitHint();
      int b = coreStates.get(names.get(i)).mwaitHint();
      if (a == b) {
        throw new IllegalArgumentException(
            "core states " + names.get(i - 1) + " and " + names.get(i) + " share MWAIT hint " + a);
      }
    }
    if (stateWithHint(coreStates, C1_HINT) == null) {
      throw new IllegalArgumentException(
          "coreStates must include C1 (MWAIT hint 0x00), which HLT enters");
    }
    if (c1eAutoPromotion && stateWithHint(coreStates, C1E_HINT) == null) {
      throw new IllegalArgumentException(
          "c1eAutoPromotion needs a C1E state (MWAIT hint 0x01) in coreStates");
    }
    for (Map.Entry<String, PackageCState> e : packageStates.entrySet()) {
      requireCoreState(
          coreStates, "packageStates/" + e.getKey() + "/minCoreState", e.getValue().minCoreState());
    }
    requireCoreState(coreStates, "turbo/inactiveCoreState", turbo.inactiveCoreState());
  }

  /** Core state names from the shallowest to the deepest (by MWAIT hint). */
  public List<String> coreStateNames() {
    return orderedCoreStates(coreStates);
  }

  /**
   * Package state names from the shallowest to the deepest: by the core state each needs, then by
   * entry delay when it is given in the same unit.
   */
  public List<String> packageStateNames() {
    List<String> names = coreStateNames();
    List<String> out = new ArrayList<>(packageStates.keySet());
    out.sort(
        Comparator.<String>comparingInt(n -> names.indexOf(packageStates.get(n).minCoreState()))
            .thenComparing(n -> packageStates.get(n).entryDelay().unit())
            .thenComparingLong(n -> packageStates.get(n).entryDelay().amount())
            .thenComparing(Comparator.naturalOrder()));
    return out;
  }

  private static List<String> orderedCoreStates(Map<String, CoreCState> states) {
    List<String> out = new ArrayList<>(states.keySet());
    out.sort(
        Comparator.<String>comparingInt(n -> states.get(n).mwaitHint())
            .thenComparing(Comparator.naturalOrder()));
    return out;
  }

  private static String stateWithHint(Map<String, CoreCState> states, int hint) {
    for (Map.Entry<String, CoreCState> e : states.entrySet()) {
      if (e.getValue().mwaitHint() == hint) {
        return e.getKey();
      }
    }
    return null;
  }

  private static void requireCoreState(Map<String, CoreCState> states, String what, String name) {
    if (!states.containsKey(name)) {
      throw new IllegalArgumentException(
          what
              + " names \""
              + name
              + "\", which is not a core state; known: "
              + orderedCoreStates(states));
    }
  }
}
