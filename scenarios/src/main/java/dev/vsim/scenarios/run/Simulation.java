package dev.vsim.scenarios.run;

import dev.vsim.cpu.cache.MemoryHierarchy;
import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.memory.DramBandwidth;
import dev.vsim.cpu.power.PowerModel;
import dev.vsim.cpu.profile.HardwareProfile;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.random.RandomStreams;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.units.ByteSize;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.guest.GuestKernel;
import dev.vsim.guest.sched.GuestScheduler;
import dev.vsim.guest.workload.CpuBenchWorkload;
import dev.vsim.guest.workload.DedupPipeline;
import dev.vsim.guest.workload.DirtierWorkload;
import dev.vsim.guest.workload.IpiBenchWorkload;
import dev.vsim.guest.workload.RandomAccessWorkload;
import dev.vsim.guest.workload.ShootdownWorkload;
import dev.vsim.guest.workload.VmexitWorkload;
import dev.vsim.guest.workload.Workload;
import dev.vsim.hypervisor.KvmVm;
import dev.vsim.hypervisor.VcpuOnSpin;
import dev.vsim.hypervisor.memory.Backing;
import dev.vsim.hypervisor.memory.HostMemory;
import dev.vsim.hypervisor.memory.Memslot;
import dev.vsim.hypervisor.mmu.DirtyLogger;
import dev.vsim.hypervisor.mmu.Ept;
import dev.vsim.hypervisor.mmu.EptFaultPath;
import dev.vsim.hypervisor.mmu.FaultDesign;
import dev.vsim.hypervisor.sched.FairScheduler;
import dev.vsim.hypervisor.sched.SchedulerListener;
import dev.vsim.hypervisor.sched.SchedulerParams;
import dev.vsim.hypervisor.sched.StealTimeAccounting;
import dev.vsim.hypervisor.sched.VcpuThread;
import dev.vsim.mmu.experiment.GuestAddressSpace;
import dev.vsim.mmu.pagetable.EntryFormat;
import dev.vsim.mmu.pagetable.PageSize;
import dev.vsim.mmu.pagetable.PageTable;
import dev.vsim.mmu.pagetable.TableMemory;
import dev.vsim.mmu.walk.Mmu;
import dev.vsim.mmu.walk.TranslationMode;
import dev.vsim.scenarios.model.CpuBenchWorkloadSpec;
import dev.vsim.scenarios.model.DirtierWorkloadSpec;
import dev.vsim.scenarios.model.DirtyLoggingSpec;
import dev.vsim.scenarios.model.HypervisorSpec;
import dev.vsim.scenarios.model.IpiBenchWorkloadSpec;
import dev.vsim.scenarios.model.RandomAccessWorkloadSpec;
import dev.vsim.scenarios.model.Scenario;
import dev.vsim.scenarios.model.ShootdownWorkloadSpec;
import dev.vsim.scenarios.model.VmSpec;
import dev.vsim.scenarios.model.VmexitWorkloadSpec;
import dev.vsim.scenarios.model.WorkloadSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
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
  private DramBandwidth bandwidth;
  private Runnable starter = () -> vcpus.forEach(Vcpu::start);
  private Runnable afterWorkloads = () -> {};
  private BooleanSupplier settled = () -> true;
  private FairScheduler scheduler;
  private PowerModel power;
  private int nextPcpu; // vCPUs without a host scheduler own pCPUs 0, 1, 2... in VM order
  private final List<VcpuThread> threads = new ArrayList<>();
  private final List<Runnable> flushOnEntry = new ArrayList<>(); // by scheduler task id
  private final List<KvmThread> kvmThreads = new ArrayList<>(); // by scheduler task id

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
    StealTimeAccounting stealTime = null;
    if (s.hypervisor().hostScheduler().equals("cfs")) {
      scheduler =
          new FairScheduler(
              kernel,
              profile.topology(),
              SchedulerParams.linuxDefaults(
                  profile.frequency().baseHz(), profile.topology().hardwareThreads()),
              stats.group("host").group("sched"));
      // PV TLB flush: a flush the guest left in the steal-time area is done before VM entry.
      stealTime = new StealTimeAccounting(scheduler, task -> flushOnEntry.get(task).run());
    }
    if (s.vms().stream().anyMatch(vm -> vm.workload() instanceof CpuBenchWorkloadSpec)) {
      power = new PowerModel(profile, "menu", stats.group("host").group("power"));
    }
    for (int i = 0; i < s.vms().size(); i++) {
      buildVm(s.vms().get(i), i, options, stealTime);
    }
    if (scheduler != null) {
      listenForKvm();
    }
    if (power != null) {
      // pCPUs no vCPU owns idle from the start, in what the host's governor picks.
      for (int cpu = nextPcpu; cpu < profile.topology().hardwareThreads(); cpu++) {
        power.idle(cpu, 0, PowerModel.GOVERNOR);
      }
    }
    if (scheduler != null) {
      int pcpus = profile.topology().hardwareThreads();
      // vCPU threads start at staggered times within one scheduling period, as QEMU brings them up
      // one by one: started together, equal slices would keep every pCPU in lockstep for ever.
      java.util.SplittableRandom r = new RandomStreams(s.seed()).stream("host.thread-start");
      long period = scheduler.params().latencyCycles();
      starter =
          () -> {
            for (int i = 0; i < threads.size(); i++) {
              VcpuThread t = threads.get(i);
              int pcpu = i % pcpus;
              kernel.schedule(kernel.now() + r.nextLong(period), (now, a) -> t.start(pcpu), 0);
            }
          };
    }
    StatGroup sim = stats.group("sim");
    sim.gauge("cycles", kernel::now);
    sim.formula("seconds", () -> (double) kernel.now() / profile.frequency().baseHz());
    sim.gauge("events", kernel::eventsFired);
  }

  private void buildVm(VmSpec spec, int index, Options options, StealTimeAccounting stealTime) {
    StatGroup vmStats = stats.group(spec.nameOr(index));
    KvmVm kvm = new KvmVm(profile.hypervisor(), vmStats);
    List<StatGroup> vcpuStats = new ArrayList<>();
    StealTime[] areas = new StealTime[spec.vcpus()];
    for (int i = 0; i < spec.vcpus(); i++) {
      vcpuStats.add(vmStats.group("vcpu" + i));
      areas[i] = new StealTime();
    }
    int firstPcpu = nextPcpu;
    nextPcpu += spec.vcpus();
    Runnable[] flushes = new Runnable[spec.vcpus()];
    java.util.Arrays.fill(flushes, (Runnable) () -> {});
    Workload workload;
    if (spec.workload() instanceof DirtierWorkloadSpec d) {
      workload = dirtier(spec, d, kvm, vmStats, vcpuStats);
    } else if (spec.workload() instanceof CpuBenchWorkloadSpec cb) {
      workload = cpuBench(spec, cb, vmStats);
    } else if (spec.workload() instanceof ShootdownWorkloadSpec sd) {
      workload = shootdown(spec, sd, index, vmStats, vcpuStats, areas, flushes);
    } else {
      workload = workload(spec, vcpuStats, vmStats);
    }
    GuestKernel guest =
        new GuestKernel(spec.vcpus(), workload, profile.hypervisor().guestInterruptHandlerCycles());
    for (int i = 0; i < spec.vcpus(); i++) {
      Vcpu v = new Vcpu(i, kernel, profile.vmx(), profile.hypervisor(), vcpuStats.get(i));
      v.attach(guest, kvm);
      v.setMemoryBandwidth(bandwidth);
      v.setBatching(options.batching());
      if (power != null && scheduler == null) {
        v.setPower(power, firstPcpu + i);
      }
      VcpuThread thread = null;
      if (scheduler != null) {
        thread = new VcpuThread(scheduler, v, vcpuStats.get(i).group("thread"));
        threads.add(thread);
        flushOnEntry.add(flushes[i]);
        stealTime.attach(thread.task(), areas[i]);
        int vi = i;
        vcpuStats.get(i).group("steal").gauge("cycles", () -> areas[vi].steal());
      }
      VcpuThread exiting = thread;
      v.onDone(
          () -> {
            if (exiting != null) {
              exiting.exit();
            }
            if (--running == 0) {
              afterWorkloads.run();
              if (settled.getAsBoolean()) {
                kernel.stop();
              }
            }
          });
      kvm.addVcpu(v);
      vcpus.add(v);
    }
    if (scheduler != null) {
      int first = threads.size() - spec.vcpus();
      int[] tasks = new int[spec.vcpus()];
      for (int i = 0; i < tasks.length; i++) {
        tasks[i] = threads.get(first + i).task();
      }
      FairScheduler sched = scheduler;
      List<Vcpu> vmVcpus = vcpus.subList(vcpus.size() - spec.vcpus(), vcpus.size());
      // kvm_vcpu_on_spin: a pause-loop exit yields to a vCPU of this VM waiting for a pCPU.
      VcpuOnSpin onSpin =
          new VcpuOnSpin(
              vmVcpus,
              (from, to) -> sched.directedYield(tasks[from], tasks[to]),
              // No APICv: an interrupt for a running vCPU kicks it (an exit), none is posted.
              false,
              vmStats.group("kvm").group("ple"));
      kvm.setSpinHandler(onSpin::onSpin);
      kvm.setYieldHandler((from, to) -> sched.yieldTo(tasks[from], tasks[to]));
      // The PLE window starts at ple_window and goes back to it whenever the vCPU is scheduled
      // in (shrink_ple_window from kvm_arch_sched_in, with the default ple_window_shrink of 0).
      long window =
          plan.scenario().hypervisor().pauseLoopExiting()
              ? plan.scenario().hypervisor().pleWindow().toCycles(profile.frequency().baseHz())
              : 0;
      for (int i = 0; i < tasks.length; i++) {
        Vcpu v = vmVcpus.get(i);
        if (window > 0) {
          v.setPleWindowCycles(window);
        }
        if (tasks[i] != kvmThreads.size()) {
          throw new IllegalStateException("vCPU threads must be the scheduler's only tasks");
        }
        kvmThreads.add(new KvmThread(v, i, onSpin, window));
      }
    }
  }

  /** What KVM's preempt notifiers do for one vCPU thread (by scheduler task id). */
  private record KvmThread(Vcpu vcpu, int index, VcpuOnSpin onSpin, long pleWindow) {}

  /**
   * KVM's preempt notifiers for every vCPU thread of every VM, one listener for all: {@code
   * kvm_sched_in} resets the PLE window and clears the directed-yield flags, {@code kvm_sched_out}
   * of a runnable vCPU sets them, {@code kvm_vcpu_wake_up} marks a woken vCPU ready.
   */
  private void listenForKvm() {
    KvmThread[] byTask = kvmThreads.toArray(new KvmThread[0]);
    scheduler.addListener(
        new SchedulerListener() {
          @Override
          public void onScheduledIn(int task, int pcpu, long now) {
            KvmThread t = byTask[task];
            if (t.pleWindow() > 0) {
              t.vcpu().setPleWindowCycles(t.pleWindow());
            }
            t.onSpin().scheduledIn(t.index());
          }

          @Override
          public void onPreempted(int task, long now) {
            KvmThread t = byTask[task];
            t.onSpin().scheduledOut(t.index());
          }

          @Override
          public void onWoken(int task) {
            KvmThread t = byTask[task];
            t.onSpin().woken(t.index());
          }
        });
  }

  private Workload workload(VmSpec vm, List<StatGroup> vcpuStats, StatGroup vmStats) {
    WorkloadSpec spec = vm.workload();
    if (spec instanceof RandomAccessWorkloadSpec r) {
      return randomAccess(vm, r, vcpuStats.get(0), vmStats);
    }
    if (spec instanceof IpiBenchWorkloadSpec b) {
      return new IpiBenchWorkload(
          new IpiBenchWorkload.Params(
              b.mode(),
              b.pattern(),
              b.iterations(),
              100_000,
              b.sendCycles(),
              b.pollCycles(),
              profile.frequency().baseHz()),
          vm.vcpus(),
          vcpuStats.get(0));
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

  /** The memory bandwidth every stream of the host shares (one socket's channels). */
  private DramBandwidth bandwidth() {
    if (bandwidth == null) {
      bandwidth =
          new DramBandwidth(
              kernel,
              profile.dram().bandwidthBytesPerSecond(),
              profile.frequency().baseHz(),
              stats.group("host").group("dram"));
    }
    return bandwidth;
  }

  /**
   * Seed 003's machine: guest memory in a memslot with its host backing, the guest's page tables
   * present (and mapped in EPT, as after boot), an EPT built by the scenario's fault design, and
   * the dirtier on every vCPU.
   */
  private Workload dirtier(
      VmSpec vm, DirtierWorkloadSpec d, KvmVm kvm, StatGroup vmStats, List<StatGroup> vcpuStats) {
    if (plan.scenario().hypervisor().paging() != HypervisorSpec.Paging.EPT) {
      throw new IllegalArgumentException("the dirtier workload needs \"paging\": \"ept\"");
    }
    FaultDesign design = plan.scenario().hypervisor().design();
    long bytes = vm.memory().bytes();
    StatGroup kvmStats = vmStats.group("kvm");
    HostMemory host = new HostMemory(vmStats.group("host_memory"));
    Memslot ram = host.add(new Memslot(0, 0, bytes, GuestAddressSpace.HOST_OFFSET, backing(vm)));
    PageTable guestTable =
        new PageTable(
            EntryFormat.X86,
            vm.pagingLevels(),
            new TableMemory(GuestAddressSpace.GUEST_TABLES_GPA));
    guestTable.mapRange(
        GuestAddressSpace.BASE_VA, 0, bytes, PageSize.ofBytes(vm.guestPageSize().bytes()), true);
    Ept ept = new Ept(profile.mmu(), host, vm.pagingLevels(), 1, kvmStats.group("ept"));
    long tableBytes = guestTable.memory().bytes();
    Memslot tables =
        host.add(
            new Memslot(
                1,
                GuestAddressSpace.GUEST_TABLES_GPA,
                tableBytes,
                GuestAddressSpace.GUEST_TABLES_GPA + GuestAddressSpace.HOST_OFFSET,
                Backing.ANONYMOUS));
    ept.prepopulate(tables); // the guest built its page tables before the experiment
    StatGroup setup = kvmStats.group("setup");
    if (design.buildsAtRegistration()) {
      long installCycles = ept.prepopulate(ram);
      // One thread (the ioctl's caller) zeroes the pinned memory at its own store rate.
      long zeroRate = Math.min(profile.dram().zeroingBytesPerSecond(), bandwidthBytesPerSecond());
      double seconds =
          (double) installCycles / profile.frequency().baseHz() + (double) bytes / zeroRate;
      setup.formula("prepopulate_seconds", () -> seconds);
    }
    EptFaultPath faults =
        new EptFaultPath(
            kernel,
            profile.mmu(),
            design,
            ept,
            bandwidth(),
            profile.dram().zeroingBytesPerSecond(),
            vm.vcpus(),
            kvmStats);
    kvm.setEptFaultPath(faults);
    List<Mmu> mmus = new ArrayList<>();
    long seed = plan.scenario().seed();
    for (int i = 0; i < vm.vcpus(); i++) {
      MemoryHierarchy memory =
          new MemoryHierarchy(profile.caches(), profile.dram(), vcpuStats.get(i).group("mem"));
      Mmu mmu =
          new Mmu(
              profile,
              TranslationMode.NESTED,
              guestTable,
              ept.table(),
              true,
              memory,
              seed + 16L * i,
              vcpuStats.get(i).group("mmu"));
      mmu.setContext(1, 1, 0);
      ept.attach(mmu);
      mmus.add(mmu);
    }
    long perVcpu =
        d.bytesPerVcpu() != null ? d.bytesPerVcpu().bytes() : bytes / vm.vcpus() / 4096 * 4096;
    DirtierWorkload workload =
        new DirtierWorkload(
            new DirtierWorkload.Params(
                GuestAddressSpace.BASE_VA,
                perVcpu,
                d.stride().bytes(),
                d.passes(),
                2L << 20,
                2 * profile.dram().zeroingBytesPerSecond(),
                profile.frequency().baseHz()),
            mmus,
            va -> guestTable.translate(va),
            options.check()
                ? va -> {
                  long gpa = guestTable.translate(va);
                  return gpa < 0 ? -1 : ept.table().translate(gpa);
                }
                : null,
            vmStats,
            vcpuStats);
    DirtyLoggingSpec logging = plan.scenario().hypervisor().dirtyLogging();
    if (logging != null) {
      DirtyLogger logger =
          new DirtyLogger(
              kernel,
              ept,
              faults.lock(),
              design,
              ram,
              logging.logMode(),
              logging.eager(),
              logging.harvestEvery().toCycles(profile.frequency().baseHz()),
              kvmStats.group("dirty_log"));
      Runnable startVcpus = starter;
      starter =
          () -> {
            logger.start();
            startVcpus.run();
          };
      afterWorkloads = logger::stop;
      settled = logger::isStopped;
    }
    if (design.prefaults()) {
      // KVM_PRE_FAULT_MEMORY: every vCPU maps its own range, then the workload starts on all.
      int[] left = {vm.vcpus()};
      long[] doneAt = {0};
      setup.formula("prefault_seconds", () -> (double) doneAt[0] / profile.frequency().baseHz());
      Runnable startVcpus = starter;
      starter =
          () -> {
            for (int i = 0; i < vm.vcpus(); i++) {
              faults.prefault(
                  i,
                  (long) i * perVcpu,
                  (long) (i + 1) * perVcpu,
                  () -> {
                    if (--left[0] == 0) {
                      doneAt[0] = kernel.now();
                      startVcpus.run();
                    }
                  });
            }
          };
    }
    return workload;
  }

  /**
   * Seed 001's shootdown workloads: a buffer mapped in the guest's page table and in EPT, shared by
   * the VM's threads, each vCPU with its own TLBs over it (one cache model per VM prices the
   * walks).
   */
  private Workload shootdown(
      VmSpec vm,
      ShootdownWorkloadSpec sd,
      int vmIndex,
      StatGroup vmStats,
      List<StatGroup> vcpuStats,
      StealTime[] areas,
      Runnable[] flushes) {
    long hz = profile.frequency().baseHz();
    GuestAddressSpace space =
        new GuestAddressSpace(
            TranslationMode.NESTED, sd.buffer().bytes(), PageSize.SIZE_4K, PageSize.SIZE_4K, 4);
    MemoryHierarchy memory =
        new MemoryHierarchy(profile.caches(), profile.dram(), vmStats.group("mem"));
    long seed = plan.scenario().seed();
    List<Mmu> mmus = new ArrayList<>();
    for (int i = 0; i < vm.vcpus(); i++) {
      Mmu mmu = space.mmu(profile, memory, seed + 16L * i, vcpuStats.get(i).group("mmu"));
      mmus.add(mmu);
      flushes[i] = () -> mmu.invvpidSingleContext(1);
    }
    DedupPipeline.Params pipeline = null;
    if (sd.stageWork() != null) {
      pipeline =
          new DedupPipeline.Params(
              (int) (sd.chunk().bytes() >>> 12),
              sd.stageWork().stream().mapToLong(t -> t.toCycles(hz)).toArray(),
              sd.queueDepth(),
              sd.threads() == null ? vm.vcpus() : sd.threads(),
              sd.contextSwitch().toCycles(hz),
              GuestScheduler.minGranularityCycles(vm.vcpus(), hz));
    }
    boolean ebizzy = pipeline == null;
    return new ShootdownWorkload(
        new ShootdownWorkload.Params(
            GuestAddressSpace.BASE_VA,
            sd.buffer().bytes(),
            ebizzy ? sd.record().toCycles(hz) : 0,
            ebizzy ? sd.touchesPerRecord() : 0,
            ebizzy ? sd.recordsPerUnmap() : Long.MAX_VALUE,
            sd.pvTlbFlush(),
            sd.ipiMode(),
            100,
            50,
            profile.vmx().invlpgCycles(),
            sd.duration().toCycles(hz),
            sd.pvSchedYield(),
            hz,
            pipeline),
        mmus,
        space.guestTable(),
        0,
        areas,
        options.check(),
        new RandomStreams(seed).stream(vm.nameOr(vmIndex) + ".shootdown"),
        kernel::now,
        vmStats);
  }

  /** Seed 001's idle experiment: Unixbench-like bursts or an idle guest, on pCPUs with C-states. */
  private Workload cpuBench(VmSpec vm, CpuBenchWorkloadSpec cb, StatGroup vmStats) {
    if (scheduler != null) {
      throw new IllegalArgumentException(
          "the cpu-bench workload models pCPU power states without a host scheduler: set"
              + " \"hostScheduler\": \"none\"");
    }
    long hz = profile.frequency().baseHz();
    int first = nextPcpu - vm.vcpus();
    PowerModel pm = power;
    return new CpuBenchWorkload(
        new CpuBenchWorkload.Params(
            cb.burst().toCycles(hz),
            cb.idleTime().toCycles(hz),
            cb.idle(),
            cb.duration().toCycles(hz),
            hz),
        vm.vcpus(),
        v -> pm.packageFrequencyHz(pm.packageOf(pm.coreOf(first + v))),
        idle -> pm.states().mwaitHint(pm.states().deepestFor(idle, Long.MAX_VALUE)),
        vmStats);
  }

  private long bandwidthBytesPerSecond() {
    return profile.dram().bandwidthBytesPerSecond();
  }

  private static Backing backing(VmSpec vm) {
    return Backing.of(vm.backing());
  }

  /**
   * Runs until every guest is done or the stop time is reached.
   *
   * @param progress receives the fraction of the stop time simulated so far, now and then
   */
  public Outcome run(DoubleConsumer progress) {
    long stopAt = plan.scenario().stop().after().toCycles(profile.frequency().baseHz());
    running = vcpus.size();
    starter.run();
    long slice = Math.max(1, stopAt / 200);
    long t = 0;
    while ((running > 0 || !settled.getAsBoolean()) && kernel.pending() > 0 && t < stopAt) {
      t = Math.min(stopAt, t + slice);
      kernel.runUntil(t);
      progress.accept((double) t / stopAt);
    }
    boolean cutOff = running > 0 || !settled.getAsBoolean();
    if (power != null) {
      power.advanceTo(kernel.now()); // residencies cover the whole run
    }
    return new Outcome(stats.snapshot(), kernel.now(), kernel.eventsFired(), cutOff);
  }
}
