package dev.vsim.hypervisor.sched;

import dev.vsim.cpu.power.PowerModel;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.random.RandomStreams;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.hypervisor.VcpuOnSpin;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * vCPU threads under the {@link FairScheduler}: steal time and the preempted flag in each guest's
 * steal-time area, a PV TLB flush the guest left there done before the next VM entry, and KVM's
 * preempt notifiers (PLE window reset, directed-yield bookkeeping). With a power model, a pCPU with
 * nothing to run idles in the host governor's C-state and a task it runs next waits for its exit.
 */
final class CfsHost implements HostScheduler {
  private final Host host;
  private final FairScheduler scheduler;
  private final StealTimeAccounting stealTime;
  private final List<VcpuThread> threads = new ArrayList<>();
  private final List<Runnable> flushOnEntry = new ArrayList<>(); // by scheduler task id
  private final List<KvmThread> kvmThreads = new ArrayList<>(); // by scheduler task id
  private final java.util.Map<Vcpu, VcpuThread> threadOf = new java.util.IdentityHashMap<>();

  /** What KVM's preempt notifiers do for one vCPU thread (by scheduler task id). */
  private record KvmThread(Vcpu vcpu, int index, VcpuOnSpin onSpin, long pleWindow) {}

  CfsHost(Host host) {
    this.host = host;
    long hz = host.profile().frequency().baseHz();
    int pcpus = host.profile().topology().hardwareThreads();
    scheduler =
        new FairScheduler(
            host.kernel(),
            host.profile().topology(),
            SchedulerParams.linuxDefaults(hz, pcpus),
            host.stats().group("sched"));
    // PV TLB flush: a flush the guest left in the steal-time area is done before VM entry.
    stealTime = new StealTimeAccounting(scheduler, task -> flushOnEntry.get(task).run());
    PowerModel power = host.power();
    if (power != null) {
      scheduler.setIdleStates(
          new FairScheduler.IdleStates() {
            @Override
            public void idle(int pcpu, long now) {
              power.idle(pcpu, now, PowerModel.GOVERNOR);
            }

            @Override
            public long busy(int pcpu, long now) {
              return power.busy(pcpu, now);
            }
          });
    }
  }

  @Override
  public boolean overcommits() {
    return true;
  }

  @Override
  public void addVm(Vm vm) {
    List<Vcpu> vcpus = vm.vcpus();
    int[] tasks = new int[vcpus.size()];
    for (int i = 0; i < vcpus.size(); i++) {
      Vcpu v = vcpus.get(i);
      StatGroup vcpuStats = vm.vcpuStats().get(i);
      if (host.power() != null) {
        v.setPower(host.power(), 0); // its MWAITs idle whichever pCPU it runs on
      }
      VcpuThread thread = new VcpuThread(scheduler, v, vcpuStats.group("thread"));
      threads.add(thread);
      threadOf.put(v, thread);
      flushOnEntry.add(vm.flushOnEntry()[i]);
      stealTime.attach(thread.task(), vm.stealTime()[i]);
      StealTime area = vm.stealTime()[i];
      vcpuStats
          .group("steal")
          .gauge("cycles", Unit.CYCLES, "Steal time reported to the guest", area::steal);
      tasks[i] = thread.task();
    }
    // kvm_vcpu_on_spin: a pause-loop exit yields to a vCPU of this VM waiting for a pCPU.
    VcpuOnSpin onSpin =
        new VcpuOnSpin(
            vcpus,
            (from, to) -> scheduler.directedYield(tasks[from], tasks[to]),
            // With APICv an interrupt waits posted in the descriptor of a vCPU preempted in user
            // mode, which stays a candidate (kvm_arch_dy_has_pending_interrupt).
            vm.kvm().apicv(),
            vm.stats().group("kvm").group("ple"));
    vm.kvm().setSpinHandler(onSpin::onSpin);
    vm.kvm().setYieldHandler((from, to) -> scheduler.yieldTo(tasks[from], tasks[to]));
    // The PLE window starts at ple_window and goes back to it whenever the vCPU is scheduled in
    // (shrink_ple_window from kvm_arch_sched_in, with the default ple_window_shrink of 0).
    long window = host.pleWindowCycles();
    for (int i = 0; i < tasks.length; i++) {
      Vcpu v = vcpus.get(i);
      if (window > 0) {
        v.setPleWindowCycles(window);
      }
      if (tasks[i] != kvmThreads.size()) {
        throw new IllegalStateException("vCPU threads must be the scheduler's only tasks");
      }
      kvmThreads.add(new KvmThread(v, i, onSpin, window));
    }
  }

  @Override
  public void start() {
    listenForKvm();
    int pcpus = host.profile().topology().hardwareThreads();
    // vCPU threads start at staggered times within one scheduling period, as QEMU brings them up
    // one by one: started together, equal slices would keep every pCPU in lockstep for ever.
    SplittableRandom r = new RandomStreams(host.seed()).stream("host.thread-start");
    long period = scheduler.params().latencyCycles();
    for (int i = 0; i < threads.size(); i++) {
      VcpuThread t = threads.get(i);
      int pcpu = i % pcpus;
      host.kernel()
          .schedule(host.kernel().now() + r.nextLong(period), (now, a) -> t.start(pcpu), 0);
    }
  }

  @Override
  public void exited(Vcpu vcpu) {
    threadOf.get(vcpu).exit();
  }

  /**
   * KVM's preempt notifiers for every vCPU thread of every VM, one listener for all: {@code
   * kvm_sched_in} resets the PLE window and clears the directed-yield flags, {@code kvm_sched_out}
   * of a runnable vCPU sets them, {@code kvm_vcpu_wake_up} marks a woken vCPU ready.
   */
  private void listenForKvm() {
    KvmThread[] byTask = kvmThreads.toArray(new KvmThread[0]);
    boolean power = host.power() != null;
    scheduler.addListener(
        new SchedulerListener() {
          @Override
          public void onScheduledIn(int task, int pcpu, long now) {
            KvmThread t = byTask[task];
            if (power) {
              t.vcpu().runsOn(pcpu);
            }
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
}
