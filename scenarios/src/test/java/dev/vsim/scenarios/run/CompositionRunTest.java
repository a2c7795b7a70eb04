package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Combinations of workload, paging mode, fault design and host scheduler that the machine now
 * composes from the scenario alone (none of them could run when each workload had its own wiring),
 * in checking mode, with counts derived by hand from the configuration.
 */
class CompositionRunTest {
  private static final long PAGE = 4096;

  /** ebizzy on 4 vCPUs over a 16-page buffer, long enough for every page to be touched. */
  private static List<String> smallEbizzy() {
    List<String> sets = CheckedRuns.oneSocket(2);
    CheckedRuns.eachVm(sets, 1, 4, "2ms");
    sets.add("/vms/0/memory=64MiB");
    sets.add("/vms/0/workload/buffer=64KiB");
    sets.add("/vms/0/workload/touchesPerRecord=8");
    sets.add("/hypervisor/hostScheduler=none");
    return sets;
  }

  @Test
  void ebizzyFaultsItsBufferInThroughTheTdpMmu() throws Exception {
    List<String> sets = smallEbizzy();
    sets.add("/hypervisor/faultDesign=tdp-mmu");
    Map<String, Number> m = CheckedRuns.run("ebizzy", sets, "base");
    long violations = 0;
    for (int v = 0; v < 4; v++) {
      violations += CheckedRuns.count(m, "vm0.vcpu" + v + ".exits.ept_violation.count");
    }
    // Every EPT violation is one fault in the fault path; a fault that lost the race to install
    // the SPTE installed nothing, so the 16 buffer pages are each installed exactly once.
    assertEquals(CheckedRuns.count(m, "vm0.kvm.ept_faults.count"), violations);
    long faultsThatMapped = violations - CheckedRuns.count(m, "vm0.kvm.ept_faults.races_lost");
    assertEquals(16, faultsThatMapped);
    // The guest's page table for a 64 KiB mapping is 4 pages (PML4, PDPT, PD, PT), mapped in EPT
    // at boot: 4 + 16 SPTEs, and as many 4 KiB pages made resident.
    assertEquals(20, CheckedRuns.count(m, "vm0.kvm.ept.sptes_installed"));
    assertEquals(20 * PAGE, CheckedRuns.count(m, "vm0.host_memory.resident_bytes"));
    assertTrue(CheckedRuns.count(m, "vm0.shootdown.count") > 0);
  }

  @Test
  void underShadowPagingEveryGuestPageFaultExitsAndIsReflected() throws Exception {
    List<String> sets = smallEbizzy();
    sets.add("/hypervisor/paging=shadow");
    sets.add("/hypervisor/faultDesign=mmu-lock");
    Map<String, Number> m = CheckedRuns.run("ebizzy", sets, "base");
    long pfExits = 0;
    for (int v = 0; v < 4; v++) {
      pfExits += CheckedRuns.count(m, "vm0.vcpu" + v + ".exits.exception_nmi.count");
    }
    long shadowFaults = CheckedRuns.count(m, "vm0.kvm.shadow.ept_faults.count");
    long reflected = CheckedRuns.count(m, "vm0.kvm.page_faults_reflected");
    // A #PF exit is either a shadow fault or the guest's own fault (a page another thread is
    // freeing), which is reflected to it: as many as the guest counted.
    assertEquals(pfExits, shadowFaults + reflected);
    assertEquals(CheckedRuns.count(m, "vm0.shootdown.page_faults"), reflected);
    // Each unmap and remap writes a guest PTE the hypervisor traps, zapping its shadow entry:
    // every shadow entry installed is a first touch of a page or a touch after a remap.
    long pteWrites = CheckedRuns.count(m, "vm0.kvm.shadow.guest_pte_writes");
    long installs = CheckedRuns.count(m, "vm0.kvm.shadow.sptes_installed");
    assertEquals(2 * CheckedRuns.count(m, "vm0.shootdown.count"), pteWrites);
    assertEquals(
        shadowFaults - CheckedRuns.count(m, "vm0.kvm.shadow.ept_faults.races_lost"), installs);
    assertTrue(installs >= 16 && installs <= 16 + pteWrites / 2, installs + " installs");
    // No EPT under shadow paging.
    assertEquals(0, CheckedRuns.count(m, "vm0.page_tables.ept_bytes"));
  }

  /** Two 4-vCPU VMs idling by {@code idle} under the fair scheduler on a host of 4 threads. */
  private static Map<String, Number> cpuBenchUnderCfs(String idle) throws Exception {
    List<String> sets = CheckedRuns.oneSocket(2);
    sets.add("/hypervisor/hostScheduler=cfs");
    for (int vm = 0; vm < 2; vm++) {
      sets.add("/vms/" + vm + "/workload/duration=20ms");
      sets.add("/vms/" + vm + "/workload/idle=" + idle);
    }
    return CheckedRuns.run("idle-exits", sets, "base");
  }

  @Test
  void cpuBenchRunsUnderTheFairSchedulerWithThePowerModel() throws Exception {
    // Polling vCPUs never give their pCPU back: 8 runnable threads on 4 pCPUs keep the cores in
    // C0 once they run. With HLT a vCPU thread with nothing to do sleeps and its pCPU may idle.
    Map<String, Number> poll = cpuBenchUnderCfs("poll");
    Map<String, Number> hlt = cpuBenchUnderCfs("hlt");
    for (int core = 0; core < 2; core++) {
      String c = "host.power.core" + core + ".";
      for (Map<String, Number> m : List.of(poll, hlt)) {
        // A core's time is split between its states (C0 and the Haswell host's C1, C1E, C3, C6,
        // C7s): the residencies add up to the whole run.
        double sum = 0;
        for (String state : List.of("c0", "c1", "c1e", "c3", "c6", "c7s")) {
          sum += CheckedRuns.metric(m, c + state + "_residency");
        }
        assertEquals(1.0, sum, 1e-9);
      }
      assertTrue(
          CheckedRuns.metric(poll, c + "c0_residency")
              > CheckedRuns.metric(hlt, c + "c0_residency"),
          "core " + core);
    }
    assertTrue(CheckedRuns.count(poll, "busy.vcpu0.steal.cycles") > 0);
    assertTrue(CheckedRuns.count(hlt, "idle.vcpu0.exits.hlt.count") > 0);
  }

  @Test
  void theDirtierRunsUnderOvercommit() throws Exception {
    // 8 vCPUs dirty 8 MiB each of a 64 MiB guest on 4 host threads, faulting under the TDP MMU.
    List<String> sets = CheckedRuns.oneSocket(2);
    sets.add("/hypervisor/hostScheduler=cfs");
    sets.add("/vms/0/vcpus=8");
    sets.add("/vms/0/memory=64MiB");
    Map<String, Number> m = CheckedRuns.run("ept-fault-designs", sets, "tdp-mmu-4k");
    // Disjoint ranges: no two faults race for a page. 16,384 RAM pages, and the guest's table
    // for 64 MiB (PML4, PDPT, PD and 32 PTs: 35 pages) mapped at boot.
    assertEquals(0, CheckedRuns.count(m, "vm0.kvm.ept_faults.races_lost"));
    assertEquals(16_384, CheckedRuns.count(m, "vm0.kvm.ept_faults.count"));
    assertEquals(16_384 + 35, CheckedRuns.count(m, "vm0.kvm.ept.sptes_installed"));
    long steal = 0;
    for (int v = 0; v < 8; v++) {
      steal += CheckedRuns.count(m, "vm0.vcpu" + v + ".steal.cycles");
    }
    assertTrue(steal > 0, "8 vCPU threads on 4 pCPUs wait for them");
  }

  @Test
  void aGuestOfMoreRamThanTheTablesUsualPlaceKeepsItsTablesPastRam() throws Exception {
    // 1 TiB of RAM passes 512 GiB, where the guest's tables live in smaller guests: their memslot
    // moves past RAM instead of overlapping it. vmexit maps no RAM: the guest's table is its root
    // page alone, and that page (4 KiB backing) is all the host holds resident.
    Map<String, Number> m =
        CheckedRuns.run(
            "vmexit",
            List.of(
                "/vms/0/memory=\"1TiB\"",
                "/vms/0/workload/tests=[\"cpuid\"]",
                "/vms/0/workload/iterations=10"),
            "base");
    assertEquals(10, CheckedRuns.count(m, "vm0.vcpu0.exits.cpuid.count"));
    assertEquals(PAGE, CheckedRuns.count(m, "vm0.host_memory.resident_bytes"));
  }
}
