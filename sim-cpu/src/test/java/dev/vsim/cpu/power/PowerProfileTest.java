package dev.vsim.cpu.power;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.cpu.profile.CoreCState;
import dev.vsim.cpu.profile.PackageCState;
import dev.vsim.cpu.profile.Power;
import dev.vsim.cpu.profile.TestProfiles;
import dev.vsim.cpu.profile.Turbo;
import dev.vsim.cpu.units.TimeSpan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PowerProfileTest {
  private static final TimeSpan US = TimeSpan.nanos(1000);
  private static final Turbo TURBO = new Turbo(Map.of("1", 3L), 2L, "C1");

  @Test
  void turboBinsCoverRangesOfActiveCores() {
    Turbo t =
        new Turbo(
            Map.of("2", 3_700_000_000L, "4", 3_500_000_000L, "8", 3_400_000_000L),
            3_300_000_000L,
            "C6");
    assertEquals(3_700_000_000L, t.hz(1));
    assertEquals(3_700_000_000L, t.hz(2));
    assertEquals(3_500_000_000L, t.hz(3));
    assertEquals(3_400_000_000L, t.hz(8));
    assertEquals(3_300_000_000L, t.hz(9));
    assertEquals(3_300_000_000L, t.hz(16));
    assertEquals(3_700_000_000L, t.maxHz());
  }

  @Test
  void statesAreOrderedByMwaitHint() {
    Power p = TestProfiles.skylakePower();
    assertEquals(List.of("C1", "C1E", "C6"), p.coreStateNames());
    assertEquals(List.of("PC2", "PC6"), p.packageStateNames());
  }

  @Test
  void rejectsInconsistentTables() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Turbo(Map.of("1", 3L, "2", 4L), 2L, "C6"),
        "more active cores cannot run faster");
    assertThrows(IllegalArgumentException.class, () -> new Turbo(Map.of("1", 3L), 4L, "C6"));
    assertThrows(IllegalArgumentException.class, () -> new Turbo(Map.of("one", 3L), 2L, "C6"));
    assertThrows(IllegalArgumentException.class, () -> new CoreCState(0x100, US, US));
    CoreCState c1 = new CoreCState(0x00, US, US);
    assertThrows(
        IllegalArgumentException.class,
        () -> power(Map.of("C1", c1, "C1X", c1), Map.of()),
        "two states with one MWAIT hint");
    assertThrows(
        IllegalArgumentException.class,
        () -> power(Map.of("C6", new CoreCState(0x20, US, US)), Map.of()),
        "HLT needs C1");
    assertThrows(
        IllegalArgumentException.class,
        () -> power(Map.of("C1", c1), Map.of("PC6", new PackageCState("C6", US))),
        "a package state must name a core state");
  }

  private static Power power(Map<String, CoreCState> core, Map<String, PackageCState> pkg) {
    return new Power(core, pkg, false, false, US, TURBO);
  }
}
