package dev.vsim.cpu.power;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.profile.CoreCState;
import dev.vsim.cpu.profile.PackageCState;
import dev.vsim.cpu.profile.Power;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.profile.Turbo;
import dev.vsim.cpu.units.TimeSpan;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Package C-states of a client part (PC2, PC3, PC6) resolved from the states of a package's cores,
 * with timelines derived by hand. Latencies are in cycles of a 1 GHz clock.
 */
class PackageCStateTest {
  /** One package of two cores, one thread each: CPU 0 is core 0, CPU 1 core 1. */
  private static final Topology TWO_CORES = new Topology(1, 2, 1);

  /**
   * C1, C3 (exit 30, target residency 100), C6 (exit 100, target 400); PC2 at once when every core
   * is in C3 or deeper, PC3 50 cycles later (exit 50), PC6 80 cycles after every core is in C6
   * (exit 80).
   */
  private static Power clientPower(long toleranceCycles) {
    return new Power(
        Map.of(
            "C1", new CoreCState(0x00, cycles(10), cycles(10)),
            "C3", new CoreCState(0x10, cycles(30), cycles(100)),
            "C6", new CoreCState(0x20, cycles(100), cycles(400))),
        Map.of(
            "PC2", new PackageCState("C3", cycles(0), cycles(0)),
            "PC3", new PackageCState("C3", cycles(50), cycles(50)),
            "PC6", new PackageCState("C6", cycles(80), cycles(80))),
        false,
        false,
        cycles(0),
        new Turbo(Map.of("1", 3_000_000_000L), 2_000_000_000L, "C3"),
        cycles(toleranceCycles));
  }

  private static TimeSpan cycles(long n) {
    return TimeSpan.cycles(n);
  }

  /**
   * Core 0 sleeps in C6 over [0, 1000). Core 1 runs until 100, sleeps in C3 over [100, 300), runs
   * again until 400 and sleeps in C6 over [400, 1200). Both cores are idle together in [100, 300)
   * (the shallower is C3) and [400, 1000) (both in C6).
   */
  private static PowerModel timeline(long toleranceCycles) {
    PowerModel pm =
        new PowerModel(clientPower(toleranceCycles), TWO_CORES, 1_000_000_000L, "menu", null);
    int c3 = pm.states().index("C3");
    int c6 = pm.states().index("C6");
    pm.idle(0, 0, c6);
    pm.idle(1, 100, c3);
    pm.busy(1, 300);
    pm.idle(1, 400, c6);
    pm.busy(0, 1000);
    pm.advanceTo(1200);
    return pm;
  }

  @Test
  void packageIsTheShallowestCoreStateHeldInPc2WhileItCoordinates() {
    PowerModel pm = timeline(Long.MAX_VALUE / 2);
    // [100, 300): PC2 for PC3's 50-cycle entry delay, then PC3 (core 1 is only in C3): 50 + 150.
    // [400, 1000): PC2 [400, 450), PC3 [450, 480) until PC6's 80 cycles have passed, PC6 after.
    assertEquals(50 + 50, pm.packageResidencyCycles(0, pm.packageStateIndex("PC2")));
    assertEquals(150 + 30, pm.packageResidencyCycles(0, pm.packageStateIndex("PC3")));
    assertEquals(520, pm.packageResidencyCycles(0, pm.packageStateIndex("PC6")));
    // Outside those windows a core is in C0 and the package in no idle state: 1200 - 800 = 400.
    assertEquals(
        400,
        1200
            - pm.packageResidencyCycles(0, 0)
            - pm.packageResidencyCycles(0, 1)
            - pm.packageResidencyCycles(0, 2));
  }

  @Test
  void aStateWhoseExitLatencyThePlatformDoesNotTolerateIsNeverEntered() {
    // A tolerance of 60 cycles admits PC3 (exit 50) but not PC6 (exit 80): [450, 1000) stays PC3.
    PowerModel pm = timeline(60);
    assertEquals(100, pm.packageResidencyCycles(0, pm.packageStateIndex("PC2")));
    assertEquals(150 + 550, pm.packageResidencyCycles(0, pm.packageStateIndex("PC3")));
    assertEquals(0, pm.packageResidencyCycles(0, pm.packageStateIndex("PC6")));
    // Below PC3's exit latency the package is held in PC2 for all 200 + 600 cycles of both windows.
    PowerModel held = timeline(40);
    assertEquals(800, held.packageResidencyCycles(0, held.packageStateIndex("PC2")));
    assertEquals(0, held.packageResidencyCycles(0, held.packageStateIndex("PC3")));
    assertEquals(0, held.packageResidencyCycles(0, held.packageStateIndex("PC6")));
  }

  @Test
  void aCoreWhoseIdleIntervalIsShorterThanTheTargetResidencyDoesNotEnterTheState() {
    PowerModel pm = new PowerModel(clientPower(0), TWO_CORES, 1_000_000_000L, "menu", null);
    int c3 = pm.states().index("C3");
    int c6 = pm.states().index("C6");
    pm.idle(1, 0, c6);
    // 399 cycles to the next timer: C6 (target residency 400) does not pay off, C3 (100) does.
    pm.idle(0, 0, PowerModel.GOVERNOR, 399);
    assertEquals(c3, pm.coreState(0));
    pm.busy(0, 399);
    // 400 cycles: C6 now pays off, and its exit latency (100) is within the predicted idle time.
    pm.idle(0, 399, PowerModel.GOVERNOR, 400);
    assertEquals(c6, pm.coreState(0));
    pm.busy(0, 799);
    // 99 cycles: below C3's target residency, so C1.
    pm.idle(0, 799, PowerModel.GOVERNOR, 99);
    assertEquals(pm.states().index("C1"), pm.coreState(0));
    pm.advanceTo(898);
    assertEquals(399, pm.coreResidencyCycles(0, c3));
    assertEquals(400, pm.coreResidencyCycles(0, c6));
    assertEquals(99, pm.coreResidencyCycles(0, pm.states().index("C1")));
  }

  @Test
  void menuDoesNotPickAStateThatTakesLongerToLeaveThanThePredictedIdleTime() {
    // A state that pays off after 200 cycles but takes 300 to leave: menu's latency limit is the
    // predicted idle time (performance_multiplier 1 with no I/O waiters), so 250 cycles give C3.
    Power p =
        new Power(
            Map.of(
                "C1", new CoreCState(0x00, cycles(10), cycles(10)),
                "C3", new CoreCState(0x10, cycles(30), cycles(100)),
                "C6", new CoreCState(0x20, cycles(300), cycles(200))),
            Map.of("PC2", new PackageCState("C3", cycles(0))),
            false,
            false,
            cycles(0),
            new Turbo(Map.of("1", 3_000_000_000L), 2_000_000_000L, "C3"));
    PowerModel pm = new PowerModel(p, TWO_CORES, 1_000_000_000L, "menu", null);
    pm.idle(0, 0, PowerModel.GOVERNOR, 250);
    assertEquals(pm.states().index("C3"), pm.coreState(0));
    pm.busy(0, 250);
    pm.idle(0, 250, PowerModel.GOVERNOR, 300);
    assertEquals(pm.states().index("C6"), pm.coreState(0));
  }
}
