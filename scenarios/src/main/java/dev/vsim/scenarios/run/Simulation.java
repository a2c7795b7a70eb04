package dev.vsim.scenarios.run;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.random.RandomStreams;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.units.ByteSize;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.guest.GuestKernel;
import dev.vsim.guest.workload.RandomAccessWorkload;
import dev.vsim.guest.workload.VmexitWorkload;
import dev.vsim.guest.workload.Workload;
import dev.vsim.hypervisor.KvmVm;
import dev.vsim.mmu.experiment.GuestAddressSpace;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.walk.Mmu;
import dev.vsim.mmu.walk.TranslationMode;
import dev.vsim.scenarios.model.RandomAccessWorkloadSpec;
import dev.vsim.scenarios.model.Scenario;
import dev.vsim.scenarios.model.VmSpec;
import dev.vsim.scenarios.model.VmexitWorkloadSpec;
import dev.vsim.scenarios.model.WorkloadSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.DoubleConsumer;

/**
 * Wires a machine from a {@link RunPlan} (host, hypervisor, VMs with their guests and workloads),
 * runs it to completion or to the stop time, and returns its statistics.
 */
public final class Simulation {
  private final RunPlan plan;
  private final HardwareProfile profile;
  private final EventKernel kernel = new EventKernel();
  private final StatGroup stats = new StatGroup("");
  private final List<Vcpu> vcpus = new ArrayList<>();
  private final Options options;
  private int running;

  /** How a run went. */
  public record Outcome(
      TreeMap<String, Number> metrics, long simulatedCycles, long events, boolean cutOff) {}

  /**
   * Options that do not change results.
   *
   * @param batching cost loops of identical exits arithmetically (off: step every exit)
   * @param check checking mode: compare every translation with the tables read in software, and
   *     fail the run on any difference (no stale translation is ever used)
   */
  public record Options(boolean batching, boolean check) {
    public static final Options DEFAULT = new Options(true, false);
  }

  public Simulation(RunPlan plan, Options options) {
    this.plan = plan;
    this.options = options;
    this.profile = plan.profile();
    Scenario s = plan.scenario();
    for (int i = 0; i < s.vms().size(); i++) {
      buildVm(s.vms().get(i), i, options);
    }
    StatGroup sim = stats.group("sim");
    sim.gauge("cycles", kernel::now);
    sim.formula("seconds", () -> (double) kernel.now() / profile.frequency().baseHz());
    sim.gauge("events", kernel::eventsFired);
  }

  private void buildVm(VmSpec spec, int index, Options options) {
    StatGroup vmStats = stats.group(spec.nameOr(index));
    KvmVm kvm = new KvmVm(profile.hypervisor(), vmStats);
    List<StatGroup> vcpuStats = new ArrayList<>();
    for (int i = 0; i < spec.vcpus(); i++) {
      vcpuStats.add(vmStats.group("vcpu" + i));
    }
    Workload workload = workload(spec, vcpuStats, vmStats);
    GuestKernel guest =
        new GuestKernel(spec.vcpus(), workload, profile.hypervisor().guestInterruptHandlerCycles());
    for (int i = 0; i < spec.vcpus(); i++) {
      Vcpu v = new Vcpu(i, kernel, profile.vmx(), profile.hypervisor(), vcpuStats.get(i));
      v.attach(guest, kvm);
      v.setBatching(options.batching());
      v.onDone(
          () -> {
            if (--running == 0) {
              kernel.stop();
            }
          });
      kvm.addVcpu(v);
      vcpus.add(v);
    }
  }

  private Workload workload(VmSpec vm, List<StatGroup> vcpuStats, StatGroup vmStats) {
    WorkloadSpec spec = vm.workload();
    if (spec instanceof RandomAccessWorkloadSpec r) {
      return randomAccess(vm, r, vcpuStats.get(0), vmStats);
    }
    if (spec instanceof VmexitWorkloadSpec v) {
      return new VmexitWorkload(
          new VmexitWorkload.Params(v.tests(), v.iterations(), v.loopCycles()), vcpuStats);
    }
    throw new IllegalArgumentException("no workload for " + spec.getClass().getSimpleName());
  }

  private Workload randomAccess(
      VmSpec vm, RandomAccessWorkloadSpec r, StatGroup vcpu, StatGroup vmStats) {
    TranslationMode mode =
        switch (plan.scenario().hypervisor().paging()) {
          case EPT -> TranslationMode.NESTED;
          case SHADOW -> TranslationMode.SHADOW;
          case NATIVE -> TranslationMode.NATIVE;
        };
    GuestAddressSpace space =
        new GuestAddressSpace(
            mode,
            vm.memory().bytes(),
            PageSize.ofBytes(vm.guestPageSize().bytes()),
            PageSize.ofBytes(vm.hostPageSize().bytes()),
            vm.pagingLevels());
    StatGroup tables = vmStats.group("page_tables");
    tables.gauge("guest_bytes", space::guestTableBytes);
    tables.gauge("ept_bytes", space::eptTableBytes);
    tables.gauge("shadow_bytes", space::shadowTableBytes);
    tables.gauge("total_bytes", space::totalTableBytes);
    double gib = (double) vm.memory().bytes() / ByteSize.GIB;
    tables.formula("total_bytes_per_gib", () -> space.totalTableBytes() / gib);
    MemoryHierarchy memory =
        new MemoryHierarchy(profile.caches(), profile.dram(), vcpu.group("mem"));
    long seed = plan.scenario().seed();
    Mmu mmu = space.mmu(profile, memory, seed, vcpu.group("mmu"));
    long workingSet = r.workingSet() == null ? vm.memory().bytes() : r.workingSet().bytes();
    return new RandomAccessWorkload(
        new RandomAccessWorkload.Params(
            GuestAddressSpace.BASE_VA, workingSet, r.warmup(), r.accesses(), r.writes()),
        mmu,
        memory,
        new RandomStreams(seed).stream(vm.nameOr(0) + ".random-access"),
        vcpu,
        options.check() ? space::referenceTranslate : null);
  }

  /**
   * Runs until every guest is done or the stop time is reached.
   *
   * @param progress receives the fraction of the stop time simulated so far, now and then
   */
  public Outcome run(DoubleConsumer progress) {
    long stopAt = plan.scenario().stop().after().toCycles(profile.frequency().baseHz());
    running = vcpus.size();
    for (Vcpu v : vcpus) {
      v.start();
    }
    long slice = Math.max(1, stopAt / 200);
    long t = 0;
    while (running > 0 && kernel.pending() > 0 && t < stopAt) {
      t = Math.min(stopAt, t + slice);
      kernel.runUntil(t);
      progress.accept((double) t / stopAt);
    }
    boolean cutOff = running > 0;
    return new Outcome(stats.snapshot(), kernel.now(), kernel.eventsFired(), cutOff);
  }
}
