package dev.vsim.scenarios.run;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.cache.SetAssociativeCache;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.NumaNodes;
import dev.vsim.cpu.power.PowerModel;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.StatSnapshot;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.sync.LineDistance;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.guest.GuestKernel;
import dev.vsim.guest.memory.GuestMemory;
import dev.vsim.hypervisor.KvmVm;
import dev.vsim.hypervisor.memory.Backing;
import dev.vsim.hypervisor.memory.MemoryPolicy;
import dev.vsim.hypervisor.memory.PageAllocator;
import dev.vsim.hypervisor.mmu.DirtyLogger;
import dev.vsim.hypervisor.mmu.VmMemory;
import dev.vsim.hypervisor.sched.HostScheduler;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.walk.Mmu;
import dev.vsim.mmu.walk.TranslationMode;
import dev.vsim.scenarios.model.DirtyLoggingSpec;
import dev.vsim.scenarios.model.HostProgramContext;
import dev.vsim.scenarios.model.HypervisorSpec;
import dev.vsim.scenarios.model.Scenario;
import dev.vsim.scenarios.model.VmSpec;
import dev.vsim.scenarios.model.WorkloadContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.DoubleConsumer;

/**
 * Composes a machine from a {@link RunPlan}: the host (profile, power model, memory bandwidth, host
 * scheduler) and, for each VM, the hypervisor's side ({@link KvmVm}, {@link VmMemory} in the
 * scenario's paging mode and fault design, dirty logging), the guest's side ({@link GuestKernel}
 * with its memory) and the vCPUs between them, each with its MMU. The workload only emits
 * operations; nothing here names one. Runs it to completion or to the stop time.
 */
public final class Simulation {
  private final RunPlan plan;
  private final HardwareProfile profile;
  private SetAssociativeCache[] socketLlcs;
  private final EventKernel kernel = new EventKernel();
  private final StatGroup stats = new StatGroup("");
  private final List<Vcpu> vcpus = new ArrayList<>();
  private final Options options;
  private final PowerModel power;
  private final NumaNodes bandwidth;
  private final PageAllocator pageAllocator;
  private final HostScheduler host;
  private final List<VmMemory> memories = new ArrayList<>();
  private final List<DirtyLogger> loggers = new ArrayList<>();
  private int running;

  /**
   * How a run went.
   *
   * @param metrics the value of every counter, gauge and formula by dotted name ({@code
   *     stats.values()})
   * @param stats every statistic, typed: with its unit and description, and the distributions
   */
  public record Outcome(
      TreeMap<String, Number> metrics,
      long simulatedCycles,
      long events,
      boolean cutOff,
      StatSnapshot stats) {
    /** An outcome without typed statistics (no units, descriptions or distributions). */
    public Outcome(
        TreeMap<String, Number> metrics, long simulatedCycles, long events, boolean cutOff) {
      this(metrics, simulatedCycles, events, cutOff, StatSnapshot.EMPTY);
    }
  }

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
    HypervisorSpec hv = s.hypervisor();
    long hz = profile.frequency().baseHz();
    StatGroup hostStats = stats.group("host");
    String governor = s.host().idleGovernor();
    power = governor == null ? null : new PowerModel(profile, governor, hostStats.group("power"));
    bandwidth = new NumaNodes(kernel, profile, hostStats.group("dram"));
    pageAllocator =
        new PageAllocator(
            kernel,
            profile.hostMm(),
            profile.hardwareThreads(),
            bandwidth,
            LineDistance.of(
                profile.topology(),
                profile.coherence(),
                profile.hostMm().cacheLineTransferCycles()),
            hostStats.group("page_allocator"));
    long pleWindow = hv.pauseLoopExiting() ? hv.pleWindow().toCycles(hz) : 0;
    host =
        hv.scheduler()
            .create(new HostScheduler.Host(kernel, profile, power, s.seed(), pleWindow, hostStats));
    for (int i = 0; i < s.vms().size(); i++) {
      buildVm(s.vms().get(i), i);
    }
    StatGroup sim = stats.group("sim");
    sim.gauge("cycles", Unit.CYCLES, "Simulated time at the end of the run", kernel::now);
    sim.formula(
        "seconds",
        Unit.SECONDS,
        "Simulated time at the end of the run",
        () -> (double) kernel.now() / hz);
    sim.gauge("events", Unit.COUNT, "Events the event kernel fired", kernel::eventsFired);
  }

  /** The host's LLCs, one per socket, made when the first vCPU that uses them is built. */
  private SetAssociativeCache[] socketLlcs() {
    if (socketLlcs == null) {
      socketLlcs = MemoryHierarchy.socketLlcs(profile.caches(), profile.topology().sockets());
    }
    return socketLlcs;
  }

  /** The paging mode a scenario names, as the MMU knows it. */
  static TranslationMode translationMode(HypervisorSpec.Paging paging) {
    return VmMemory.PAGING.get(paging.id());
  }

  private void buildVm(VmSpec spec, int index) {
    Scenario s = plan.scenario();
    HypervisorSpec hv = s.hypervisor();
    String name = spec.nameOr(index);
    StatGroup vmStats = stats.group(name);
    int n = spec.vcpus();
    List<StatGroup> vcpuStats = new ArrayList<>();
    StealTime[] areas = new StealTime[n];
    for (int i = 0; i < n; i++) {
      vcpuStats.add(vmStats.group("vcpu" + i));
      areas[i] = new StealTime();
    }

    // The hypervisor's side: the memslots are registered before the guest boots.
    KvmVm kvm = new KvmVm(profile.hypervisor(), vmStats);
    kvm.setApicv(hv.enableApicv());
    kvm.setHaltPolling(hv.haltPolling().params(profile.frequency().baseHz()));
    VmMemory memory =
        new VmMemory(
            kernel,
            profile,
            translationMode(hv.paging()),
            hv.design(),
            spec.memory().bytes(),
            Backing.of(spec.backing()),
            spec.pagingLevels(),
            n,
            bandwidth,
            MemoryPolicy.parse(spec.memoryPolicy()),
            pageAllocator,
            vmStats);
    memories.add(memory);
    memory.register();

    // The guest's side: its kernel, its memory, its vCPUs and the process it runs.
    GuestMemory guestMemory =
        new GuestMemory(
            spec.memory().bytes(),
            PageSize.ofBytes(spec.guestPageSize().bytes()),
            spec.pagingLevels(),
            memory.guestTablesAddress(),
            memory.guestPhysicalBase());
    GuestKernel guest =
        new GuestKernel(
            n, guestMemory, profile.hypervisor().guestInterruptHandlerCycles(), areas, kernel::now);
    List<Vcpu> vmVcpus = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Vcpu v = new Vcpu(i, kernel, profile.vmx(), profile.hypervisor(), vcpuStats.get(i));
      v.attach(guest, kvm);
      v.setMemoryNodes(bandwidth, memory.host()::nodeOfHpa);
      v.setBatching(options.batching());
      v.onDone(() -> finished(v));
      kvm.addVcpu(v);
      vmVcpus.add(v);
    }
    vcpus.addAll(vmVcpus);
    guest.run(
        spec.workload()
            .create(
                new WorkloadContext(
                    spec,
                    name,
                    profile,
                    s.seed(),
                    guest,
                    guestMemory,
                    List.copyOf(vmVcpus),
                    areas,
                    power,
                    options.check(),
                    kernel,
                    vmStats,
                    vcpuStats)));

    // The guest has built its page tables: the hypervisor maps them, and follows their changes.
    memory.guestBooted(guestMemory.table());
    for (long[] m : guestMemory.mappings()) {
      memory.guestMapped(m[0], m[1]);
    }
    guestMemory.setListener(
        new GuestMemory.Listener() {
          @Override
          public void mapped(long linear, long length) {
            memory.guestMapped(linear, length);
          }

          @Override
          public void pteWritten(long linear) {
            memory.guestPteWritten(linear);
          }
        });
    memory.reportTables(vmStats);
    if (memory.mode() == TranslationMode.NESTED) {
      kvm.setEptFaultPath(memory.faults());
    } else if (memory.mode() == TranslationMode.SHADOW) {
      kvm.setShadowFaultPath(memory.faults(), guestMemory::physicalOf, vmStats.group("kvm"));
    }

    // Each vCPU's MMU over the VM's tables, its walks and data priced by a cache model.
    Runnable[] flushOnEntry = new Runnable[n];
    Arrays.fill(flushOnEntry, (Runnable) () -> {});
    if (spec.workload().touchesMemory()) {
      MemoryHierarchy shared =
          spec.sharesCacheModel()
              ? new MemoryHierarchy(profile.caches(), profile.dram(), vmStats.group("mem"))
              : null;
      for (int i = 0; i < n; i++) {
        Vcpu v = vmVcpus.get(i);
        MemoryHierarchy caches;
        if (shared != null) {
          caches = shared;
        } else if (spec.usesSocketLlc()) {
          caches =
              new MemoryHierarchy(
                  profile.caches(),
                  profile.dram(),
                  0,
                  socketLlcs(),
                  () -> profile.topology().socketOf(v.pcpu()),
                  vcpuStats.get(i).group("mem"));
        } else {
          caches =
              new MemoryHierarchy(profile.caches(), profile.dram(), vcpuStats.get(i).group("mem"));
        }
        if (shared == null && bandwidth.count() > 1) {
          // A miss to memory of another socket than the vCPU's pCPU pays the remote latency.
          caches.setNodes(
              memory.host()::nodeOfHpa,
              () -> bandwidth.nodeOf(v.pcpu()),
              profile.dram().remoteLatency(),
              vcpuStats.get(i).group("mem"));
        }
        Mmu mmu = memory.mmu(i, caches, s.seed() + 16L * i, vcpuStats.get(i).group("mmu"));
        v.setMmu(mmu, caches);
        v.setPageFaultsExit(memory.mode() == TranslationMode.SHADOW);
        if (options.check()) {
          v.checkTranslations(memory.reference());
        }
        // A PV TLB flush request is done before the vCPU's next entry: its whole VPID.
        flushOnEntry[i] = () -> mmu.invvpidSingleContext(1);
      }
    }
    host.addVm(new HostScheduler.Vm(vmVcpus, kvm, areas, flushOnEntry, vcpuStats, vmStats));
    kvm.setUserspaceExit(
        spec.workload()
            .hostProgram(
                new HostProgramContext(
                    spec, hv, profile, kernel, memory, List.copyOf(vmVcpus), vmStats)));

    DirtyLoggingSpec logging = hv.dirtyLogging();
    if (logging != null && index == 0) {
      loggers.add(
          new DirtyLogger(
              kernel,
              memory.ept(),
              memory.faults().lock(),
              memory.design(),
              memory.ram(),
              hv.dirtyLogMode(),
              hv.eagerPageSplit(),
              logging.harvestEvery().toCycles(profile.frequency().baseHz()),
              vmStats.group("kvm").group("dirty_log")));
    }
  }

  /** The guest on {@code v} has nothing more to run. */
  private void finished(Vcpu v) {
    host.exited(v);
    if (--running == 0) {
      loggers.forEach(DirtyLogger::stop);
      if (settled()) {
        kernel.stop();
      }
    }
  }

  /** Whether nothing is left to finish once the guests are done (dirty logging has stopped). */
  private boolean settled() {
    for (DirtyLogger l : loggers) {
      if (!l.isStopped()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Starts the machine: each VM's fault design may map memory first (pre-faulting), then dirty
   * logging starts and the host runs the vCPUs.
   */
  private void start() {
    int[] waiting = {memories.size()};
    Runnable all =
        () -> {
          if (--waiting[0] == 0) {
            loggers.forEach(DirtyLogger::start);
            host.start();
          }
        };
    for (VmMemory m : memories) {
      m.design().beforeGuestRuns(m, all);
    }
  }

  /**
   * Runs until every guest is done or the stop time is reached.
   *
   * @param progress receives the fraction of the stop time simulated so far, now and then
   */
  public Outcome run(DoubleConsumer progress) {
    return run((fraction, simulatedSeconds, events) -> progress.accept(fraction));
  }

  /** Told now and then how far a simulation is. */
  @FunctionalInterface
  public interface ProgressListener {
    /**
     * @param fraction the fraction of the stop time simulated so far
     * @param simulatedSeconds the simulated time so far
     * @param events the events fired so far
     */
    void progress(double fraction, double simulatedSeconds, long events);
  }

  /** Runs until every guest is done or the stop time is reached, telling {@code progress}. */
  public Outcome run(ProgressListener progress) {
    long stopAt = plan.scenario().stop().after().toCycles(profile.frequency().baseHz());
    running = vcpus.size();
    start();
    long slice = Math.max(1, stopAt / 200);
    long t = 0;
    while ((running > 0 || !settled()) && kernel.pending() > 0 && t < stopAt) {
      t = Math.min(stopAt, t + slice);
      kernel.runUntil(t);
      progress.progress(
          (double) t / stopAt, (double) t / profile.frequency().baseHz(), kernel.eventsFired());
    }
    boolean cutOff = running > 0 || !settled();
    if (cutOff) {
      // Work counted ahead of time (batched loops, computations under way) counts up to now.
      vcpus.forEach(v -> v.settleAt(kernel.now()));
    }
    if (power != null) {
      power.advanceTo(kernel.now()); // residencies cover the whole run
    }
    StatSnapshot snapshot = stats.stats();
    return new Outcome(snapshot.values(), kernel.now(), kernel.eventsFired(), cutOff, snapshot);
  }
}
