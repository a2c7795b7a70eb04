package dev.vsim.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vsim.scenarios.json.ScenarioException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What used to fail at run time with a stack trace is refused at load, at the position of the value
 * to change, with how to change it.
 */
class PreconditionsAtLoadTest {
  private static final String VMEXIT =
      "{\n"
          + "  \"name\": \"t\",\n"
          + "  \"vms\": [{\"workload\": {\"type\": \"vmexit\"}}]\n"
          + "}\n";
  private static final String CPU_BENCH =
      "{\n"
          + "  \"name\": \"t\",\n"
          + "  \"host\": {\"idleGovernor\": \"menu\"},\n"
          + "  \"vms\": [{\"workload\": {\"type\": \"cpu-bench\"}}]\n"
          + "}\n";

  private static String error(String text, String... sets) {
    return assertThrows(
            ScenarioException.class,
            () -> new ScenarioLoader().load("t.json", text, List.of(sets), List.of()))
        .getMessage();
  }

  @Test
  void cpuBenchOfZeroDuration() {
    assertEquals(
        "--set /vms/0/workload/duration=\"0cycles\": duration must be at least one cycle of the"
            + " host's clock, got 0cycles (at /vms/0/workload/duration)",
        error(CPU_BENCH, "/vms/0/workload/duration=\"0cycles\""));
  }

  @Test
  void cpuBenchWithoutBurstOrIdle() {
    assertEquals(
        "--set /vms/0/workload/idleTime=\"0cycles\": idleTime must be at least one cycle of the"
            + " host's clock (the guest idles between bursts, or between timer ticks), got 0cycles (at"
            + " /vms/0/workload/idleTime)",
        error(
            CPU_BENCH,
            "/vms/0/workload/burst=\"0cycles\"",
            "/vms/0/workload/idleTime=\"0cycles\""));
  }

  @Test
  void harvestEveryZero() {
    assertEquals(
        "--set /hypervisor/dirtyLogging={\"harvestEvery\": \"0cycles\"}: harvestEvery of 0cycles is"
            + " less than one cycle of host \"xeon-gold-6142\"'s 2.6 GHz clock; give at least"
            + " \"1cycle\" (at /hypervisor/dirtyLogging/harvestEvery)",
        error(VMEXIT, "/hypervisor/dirtyLogging={\"harvestEvery\": \"0cycles\"}"));
  }

  @Test
  void cacheWaysThatDoNotGiveWholeSets() {
    assertEquals(
        "--set /host/overrides={\"/caches/llc/ways\": 7}: caches/llc: 22MiB of 64-byte lines is"
            + " 360448 lines, which 7 ways do not divide into whole sets; use a number of ways that"
            + " divides 360448 (at /host/overrides/caches/llc/ways)",
        error(VMEXIT, "/host/overrides={\"/caches/llc/ways\": 7}"));
  }

  @Test
  void replacementPolicyWayLimit() {
    assertEquals(
        "--set /host/overrides={\"/caches/l2/replacement\": \"bit-plru\", \"/caches/l2/ways\":"
            + " 128, \"/caches/l2/size\": \"8MiB\"}: caches/l2: bit-plru supports at most 64 ways, not"
            + " 128 (at /host/overrides/caches/l2/replacement)",
        error(
            VMEXIT,
            "/host/overrides={\"/caches/l2/replacement\": \"bit-plru\", \"/caches/l2/ways\": 128,"
                + " \"/caches/l2/size\": \"8MiB\"}"));
  }

  @Test
  void frequencyTooHigh() {
    assertEquals(
        "--set /host/overrides={\"/frequency/baseHz\": 9000000000000000000,"
            + " \"/frequency/maxTurboHz\": 9000000000000000000}: baseHz must be at most"
            + " 1000000000000 (1 THz), got 9000000000000000000 (at /frequency/baseHz)",
        error(
            VMEXIT,
            "/host/overrides={\"/frequency/baseHz\": 9000000000000000000,"
                + " \"/frequency/maxTurboHz\": 9000000000000000000}"));
  }

  @Test
  void threadCountThatOverflowsAnInt() {
    assertEquals(
        "--set /host/overrides={\"/topology/coresPerSocket\": 1073741824}: coresPerSocket: 2"
            + " sockets × 1073741824 cores × 2 threads is 4294967296 hardware threads; the simulator"
            + " holds at most 4096 (at /topology/coresPerSocket)",
        error(VMEXIT, "/host/overrides={\"/topology/coresPerSocket\": 1073741824}"));
  }

  @Test
  void aMillionCoresPerSocket() {
    assertEquals(
        "--set /host/overrides={\"/topology/coresPerSocket\": 1000000}: coresPerSocket: 2 sockets"
            + " × 1000000 cores × 2 threads is 4000000 hardware threads; the simulator holds at most"
            + " 4096 (at /topology/coresPerSocket)",
        error(VMEXIT, "/host/overrides={\"/topology/coresPerSocket\": 1000000}"));
  }

  @Test
  void preFaultingUnderNativePaging() {
    assertEquals(
        "--set /hypervisor={\"paging\": \"native\", \"faultDesign\": \"prefault\"}:"
            + " KVM_PRE_FAULT_MEMORY maps EPT tables, and native paging has none: use \"paging\":"
            + " \"ept\" or another faultDesign (at /hypervisor/faultDesign)",
        error(VMEXIT, "/hypervisor={\"paging\": \"native\", \"faultDesign\": \"prefault\"}"));
  }

  @Test
  void shootdownBufferLargerThanMemory() {
    assertEquals(
        "--set /vms/0/workload={\"type\": \"shootdown\"}: workload: its buffer (64MiB) is larger"
            + " than the VM's memory (16MiB); give a smaller \"buffer\" or more \"memory\" (at"
            + " /vms/0/workload)",
        error(VMEXIT, "/vms/0/workload={\"type\": \"shootdown\"}", "/vms/0/memory=\"16MiB\""));
  }

  @Test
  void guestMemoryBeyondTheLayout() {
    assertEquals(
        "--set /vms/0/memory=\"5TiB\": memory must be at most 4TiB (the simulator's physical"
            + " layout), got 5TiB (at /vms/0/memory)",
        error(VMEXIT, "/vms/0/memory=\"5TiB\""));
  }

  @Test
  void twoVmsOfOneName() {
    // The second VM has no name: it is vm1, the name the first one took.
    assertEquals(
        "--set /vms/1={\"workload\": {\"type\": \"vmexit\"}}: VM 1 has the name \"vm1\" of VM 0 (a VM without a name is"
            + " vm<index>); give each VM its own name (at /vms/1)",
        error(VMEXIT, "/vms/1={\"workload\": {\"type\": \"vmexit\"}}", "/vms/0/name=\"vm1\""));
  }
}
