package dev.vsim.cpu.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class RegistryTest {
  private final Registry<Integer> designs =
      new Registry<Integer>("fault design", "how EPT is built")
          .register("mmu-lock", "one lock", 1)
          .register("tdp-mmu", "parallel", 2)
          .register("prefault", "before the run", 3);

  @Test
  void looksUpByNameInRegistrationOrder() {
    assertEquals(2, designs.get("tdp-mmu"));
    assertEquals(List.of("mmu-lock", "tdp-mmu", "prefault"), designs.names());
  }

  @Test
  void aMisspeltNameGetsTheClosestOne() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> designs.get("tdp-mu"));
    assertEquals(
        "unknown fault design \"tdp-mu\"; did you mean tdp-mmu? (known: mmu-lock, tdp-mmu,"
            + " prefault)",
        e.getMessage());
  }

  @Test
  void aNameFarFromEveryOneListsThemAll() {
    assertEquals(
        "unknown fault design \"shadow\" (known: mmu-lock, tdp-mmu, prefault)",
        designs.unknown("shadow"));
  }

  @Test
  void editDistanceCountsInsertionsDeletionsAndSubstitutions() {
    assertEquals(3, Registry.distance("kitten", "sitting"));
    assertEquals(0, Registry.distance("lru", "lru"));
    assertEquals(3, Registry.distance("", "lru"));
  }

  @Test
  void aNameIsRegisteredOnce() {
    assertThrows(IllegalArgumentException.class, () -> designs.register("tdp-mmu", "again", 4));
  }
}
