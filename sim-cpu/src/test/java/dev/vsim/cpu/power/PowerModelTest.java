package dev.vsim.cpu.power;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.profile.CoreCState;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.profile.PackageCState;
import dev.vsim.cpu.profile.Power;
import dev.vsim.cpu.profile.TestProfiles;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.profile.Turbo;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.units.TimeSpan;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PowerModelTest {
  /** One package of two cores with two threads each: CPUs 0 and 2 share core 0, 1 and 3 core 1. */
  private static final Topology TWO_CORES = new Topology(1, 2, 2);

  /**
   * Latencies in cycles so that timelines are easy to follow: C1 exits in 10 cycles, C1E in 50, C6
   * in 1000; PC2 once both cores are in C6, PC6 300 cycles after that.
   */
  private static Power cyclePower(boolean c1ePromotion, boolean autoDemotion, long deepDelay) {
    return new Power(
        Map.of(
            "C1", new CoreCState(0x00, cycles(10), cycles(10)),
            "C1E", new CoreCState(0x01, cycles(50), cycles(100)),
            "C6", new CoreCState(0x20, cycles(1000), cycles(5000))),
        Map.of(
            "PC2", new PackageCState("C6", cycles(0)),
            "PC6", new PackageCState("C6", cycles(300))),
        c1ePromotion,
        autoDemotion,
        cycles(deepDelay),
        new Turbo(Map.of("1", 3_000_000_000L), 2_000_000_000L, "C6"));
  }

  private static TimeSpan cycles(long n) {
    return TimeSpan.cycles(n);
  }

  private static PowerModel twoCores(Power power) {
    return new PowerModel(power, TWO_CORES, 1_000_000_000L, "menu", null);
  }

  @Test
  void residenciesOfAScriptedTimeline() {
    PowerModel pm = twoCores(cyclePower(false, false, 0));
    int c1 = pm.states().index("C1");
    int c6 = pm.states().index("C6");
    // The second threads sleep in C6 throughout, so each core follows its first thread.
    pm.idle(2, 0, c6);
    pm.idle(3, 0, c6);
    pm.idle(0, 100, c1);
    pm.idle(1, 200, c6);
    assertEquals(10, pm.busy(0, 300)); // from C1
    pm.idle(0, 400, c6);
    assertEquals(1000, pm.busy(0, 1000)); // from C6
    pm.advanceTo(1200);

    // core 0: C0 [0,100) [300,400) [1000,1200); C1 [100,300); C6 [400,1000)
    assertEquals(400, pm.coreResidencyCycles(0, PowerModel.C0));
    assertEquals(200, pm.coreResidencyCycles(0, c1));
    assertEquals(0, pm.coreResidencyCycles(0, pm.states().index("C1E")));
    assertEquals(600, pm.coreResidencyCycles(0, c6));
    assertEquals(0.5, pm.coreResidency(0, c6));
    // core 1: C0 [0,200); C6 [200,1200), still open at the end
    assertEquals(200, pm.coreResidencyCycles(1, PowerModel.C0));
    assertEquals(1000, pm.coreResidencyCycles(1, c6));
    // Both cores in C6 during [400,1000): PC2 at once, PC6 from 300 cycles later.
    assertEquals(300, pm.packageResidencyCycles(0, pm.packageStateIndex("PC2")));
    assertEquals(300, pm.packageResidencyCycles(0, pm.packageStateIndex("PC6")));
    assertEquals(0.25, pm.packageResidency(0, pm.packageStateIndex("PC6")));
    assertEquals(2, pm.wakeups(0));
    assertEquals(0, pm.wakeups(1));
  }

  @Test
  void packageSleepsOnlyWhileEveryCoreIsDeepEnough() {
    PowerModel pm = twoCores(cyclePower(false, false, 0));
    int c1e = pm.states().index("C1E");
    int c6 = pm.states().index("C6");
    int pc2 = pm.packageStateIndex("PC2");
    pm.idle(0, 0, c6);
    pm.idle(2, 0, c6);
    pm.idle(1, 0, c1e);
    pm.idle(3, 0, c6);
    pm.advanceTo(1000);
    assertEquals(c1e, pm.coreState(1)); // the shallower thread decides
    assertEquals(0, pm.packageResidencyCycles(0, pc2), "core 1 only reached C1E");

    pm.busy(1, 1000);
    pm.idle(1, 1100, c6);
    pm.advanceTo(1200);
    assertEquals(100, pm.packageResidencyCycles(0, pc2));

    // One thread waking is enough to take its core, and so the package, out of idle.
    pm.busy(3, 1200);
    pm.advanceTo(2000);
    assertEquals(PowerModel.C0, pm.coreState(1));
    assertEquals(100, pm.packageResidencyCycles(0, pc2));
    assertEquals(0, pm.packageResidencyCycles(0, pm.packageStateIndex("PC6")));
  }

  @Test
  void turboFollowsTheActiveCoreCount() {
    HardwareProfile p = TestProfiles.skylakeServer(); // 4 cores: 3.7, 3.5, 3.4, then 3.3 GHz
    PowerModel pm = new PowerModel(p, "menu", null);
    int c1 = pm.hltState();
    int c6 = pm.states().index("C6");
    assertEquals(4, pm.activeCores(0));
    assertEquals(3_300_000_000L, pm.packageFrequencyHz(0));

    pm.idle(4, 1000, c6); // core 0's second thread
    for (int core = 1; core < 4; core++) {
      pm.idle(core, 1000, c6);
      pm.idle(core + 4, 1000, c6);
    }
    assertEquals(1, pm.activeCores(0));
    assertEquals(p.frequency().maxTurboHz(), pm.packageFrequencyHz(0));

    pm.busy(3, 3000);
    pm.idle(3, 3000, c1); // a core in C1 still counts as active
    assertEquals(2, pm.activeCores(0));
    assertEquals(3_500_000_000L, pm.packageFrequencyHz(0));
    pm.advanceTo(4000);

    // core 0 ran [0,1000) with all four active, [1000,3000) alone, [3000,4000) with one more.
    double expected = (1000 * 3.3e9 + 2000 * 3.7e9 + 1000 * 3.5e9) / 4000;
    assertEquals(expected, pm.averageBusyFrequencyHz(0), 1.0);
    assertEquals(3.3e9, pm.averageBusyFrequencyHz(3), 1.0);
  }

  @Test
  void pollingIdleNeverLeavesC0() {
    HardwareProfile p = TestProfiles.skylakeServer();
    PowerModel pm = new PowerModel(p, "menu", null);
    // idle=poll: the scheduler never reports an idle CPU, only work arriving on running CPUs.
    for (int cpu = 0; cpu < p.hardwareThreads(); cpu++) {
      assertEquals(0, pm.busy(cpu, 500));
    }
    pm.advanceTo(1_000_000);
    for (int core = 0; core < pm.cores(); core++) {
      assertEquals(1.0, pm.coreResidency(core, PowerModel.C0));
      assertEquals(3.3e9, pm.averageBusyFrequencyHz(core), 1.0);
    }
    assertEquals(0, pm.packageResidencyCycles(0, pm.packageStateIndex("PC2")));
    assertEquals(4, pm.activeCores(0));
  }

  @Test
  void wakingFromC6CostsTheProfilesExitLatency() {
    HardwareProfile p = TestProfiles.skylakeServer();
    PowerModel pm = new PowerModel(p, "menu", null);
    int c6 = pm.stateForMwaitHint(0x20);
    assertEquals("C6", pm.states().name(c6));
    long c6Exit = p.power().coreStates().get("C6").exitLatency().toCycles(p.frequency().baseHz());

    pm.idle(0, 100, c6);
    pm.idle(4, 100, c6);
    assertEquals(c6Exit, pm.busy(0, 10_000_000));
    assertEquals(345_800, c6Exit); // 133 us at 2.6 GHz

    pm.idle(0, 20_000_000, c6); // its sibling (CPU 4) is still asleep: the core is in C6 again
    pm.busy(4, 30_000_000);
    assertEquals(0, pm.busy(0, 30_000_000), "the sibling already woke the core");
  }

  @Test
  void governorPicksTheDeepestStateTheExpectedIdleTimeJustifies() {
    PowerModel pm = twoCores(cyclePower(false, false, 0));
    pm.idle(2, 0, pm.states().index("C6")); // core 0 follows CPU 0
    pm.idle(0, 0, PowerModel.GOVERNOR, 20_000); // C6 pays off after 5000 cycles
    assertEquals("C6", pm.states().name(pm.coreState(0)));
    pm.busy(0, 100);
    pm.idle(0, 100, PowerModel.GOVERNOR, 200); // C1E: 100 <= 200 < 5000
    assertEquals("C1E", pm.states().name(pm.coreState(0)));
    pm.busy(0, 150);
    pm.idle(0, 150, PowerModel.GOVERNOR, 20);
    assertEquals("C1", pm.states().name(pm.coreState(0)));
  }

  @Test
  void governorLearnsShortRegularIdlePeriods() {
    PowerModel pm = twoCores(cyclePower(false, false, 0));
    int c6 = pm.states().index("C6");
    pm.idle(2, 0, c6);
    long t = 0;
    for (int i = 0; i < MenuGovernor.INTERVALS; i++) {
      pm.idle(0, t, pm.hltState());
      t += 40;
      pm.busy(0, t);
      t += 10;
    }
    // No timer armed, but the last eight periods all lasted 40 cycles: too short for C6 (or C1E).
    pm.idle(0, t, PowerModel.GOVERNOR);
    assertEquals("C1", pm.states().name(pm.coreState(0)));
  }

  @Test
  void c1eAutoPromotionTurnsHltIntoC1e() {
    PowerModel pm = twoCores(cyclePower(true, false, 0));
    pm.idle(0, 0, pm.hltState());
    pm.idle(2, 0, pm.hltState());
    assertEquals("C1E", pm.states().name(pm.coreState(0)));
    assertEquals(50, pm.busy(0, 100));
  }

  @Test
  void delayedDeepStatesWaitInC1BeforeCommitting() {
    PowerModel pm = twoCores(cyclePower(false, false, 100));
    int c1 = pm.states().index("C1");
    int c6 = pm.states().index("C6");
    pm.idle(2, 0, c6);
    pm.idle(0, 0, c6);
    assertEquals(c1, pm.coreState(0));
    assertEquals(10, pm.busy(0, 50), "woken before the promotion: a C1 exit");
    pm.idle(0, 100, c6);
    pm.advanceTo(150);
    assertEquals(c1, pm.coreState(0));
    pm.advanceTo(400);
    assertEquals(c6, pm.coreState(0));
    assertEquals(1000, pm.busy(0, 400));
    // C1 [0,50) [100,200) - the second thread's staging too - and C6 [200,400)
    assertEquals(150, pm.coreResidencyCycles(0, c1));
    assertEquals(200, pm.coreResidencyCycles(0, c6));
  }

  @Test
  void autoDemotionKeepsACoreShallowAfterAShortIdlePeriod() {
    PowerModel pm = twoCores(cyclePower(false, true, 0));
    int c6 = pm.states().index("C6");
    pm.idle(2, 0, c6);
    pm.idle(0, 0, c6);
    pm.busy(0, 200); // idle for 200 cycles: enough for C1E (100), not for C6 (5000)
    pm.idle(0, 300, c6);
    assertEquals("C1E", pm.states().name(pm.coreState(0)));
  }

  @Test
  void statisticsAreNamedPerCoreAndPackage() {
    StatGroup root = new StatGroup("");
    HardwareProfile p = TestProfiles.skylakeServer();
    PowerModel pm = new PowerModel(p, "menu", root.group("host").group("power"));
    int c6 = pm.states().index("C6");
    pm.idle(3, 0, c6);
    pm.idle(7, 0, c6);
    pm.advanceTo(1000);
    var snap = root.snapshot();
    assertEquals(1.0, snap.get("host.power.core3.c6_residency"));
    assertEquals(0.0, snap.get("host.power.core3.c0_residency"));
    assertEquals(1.0, snap.get("host.power.core0.c0_residency"));
    assertEquals(0.0, snap.get("host.power.package0.pc2_residency"));
    assertEquals(0.0, snap.get("host.power.package0.pc6_residency"));
    assertEquals(3.4e9, snap.get("host.power.core0.avg_frequency_hz").doubleValue(), 1.0);
    assertTrue(snap.containsKey("host.power.core3.c1e_residency"));
  }

  @Test
  void rejectsMisuse() {
    PowerModel pm = twoCores(cyclePower(false, false, 0));
    pm.idle(0, 10, pm.hltState());
    assertThrows(IllegalStateException.class, () -> pm.idle(0, 20, pm.hltState()));
    assertThrows(IllegalArgumentException.class, () -> pm.busy(0, 5));
    assertThrows(IllegalArgumentException.class, () -> pm.idle(1, 30, 7));
    assertThrows(
        IllegalArgumentException.class,
        () -> new PowerModel(cyclePower(false, false, 0), TWO_CORES, 1, "ladder", null));
  }
}
