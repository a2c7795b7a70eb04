package dev.vsim.hypervisor;

import dev.vsim.cpu.event.EventHandler;
import dev.vsim.cpu.power.PowerModel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.pv.KvmHypercall;
import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.pv.Ucall;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;
import dev.vsim.cpu.vmx.ExitHandler;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.cpu.vmx.VmExit;
import dev.vsim.hypervisor.mmu.EptFaultPath;
import dev.vsim.hypervisor.vmm.UserspaceExit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.LongUnaryOperator;

/**
 * The hypervisor's view of one VM: its vCPUs and their virtual local APICs, and the exit handlers
 * that KVM's {@code vmx_handle_exit} dispatches to. Costs are the profile's {@link
 * HypervisorCosts}; the common exit path around each handler is charged by the {@link Vcpu}.
 */
public final class KvmVm implements ExitHandler {
  /** EPT-violation exit qualification bit 1: the access was a data write (SDM Table 28-7). */
  public static final long EPT_WRITE = 1L << 1;

  /** ICR bit 11: logical destination mode (x2APIC cluster mode). */
  public static final long ICR_LOGICAL = 1L << 11;

  /** Linux's LOCAL_TIMER_VECTOR: the LAPIC timer's interrupt. */
  public static final int LOCAL_TIMER_VECTOR = 0xec;

  /** KVM's ple_window_max (KVM_VMX_DEFAULT_PLE_WINDOW_MAX): the window stops growing here. */
  public static final long PLE_WINDOW_MAX = 0xffff_ffffL;

  /** CPUs of one x2APIC logical cluster. */
  public static final int CLUSTER_SIZE = 16;

  private final HypervisorCosts costs;
  private final List<Vcpu> vcpus = new ArrayList<>();
  private final Counter hypercallsUnknown;
  private final Counter ipisSent;
  private final Counter msrWritesOther;
  private final Counter eois;
  private final Counter pvIpiHypercalls;
  private EptFaultPath eptFaults;
  private UserspaceExit userspace;
  private EptFaultPath shadowFaults;
  private LongUnaryOperator guestWalk; // shadow paging: the guest's page table read in software
  private Counter reflectedPageFaults;
  private IntPredicate onSpin = v -> false;
  private DirectedYield onYield = (from, to) -> false;
  // The LAPIC timer of the vCPU in the event's argument fires: one handler for every vCPU.
  private final EventHandler timerFired =
      (now, v) -> vcpus.get((int) v).postInterrupt(LOCAL_TIMER_VECTOR);
  // A destination the sender's handler reaches after its earlier ones (and their wake-ups): the
  // event's argument is the APIC ID << 8 | the vector.
  private final EventHandler delayedDelivery =
      (now, a) -> vcpus.get((int) (a >>> 8)).postInterrupt((int) (a & 0xff));
  private long deliveryOffset; // cycles into the sender's handler at which the next target is done
  private boolean apicv;
  private final HaltPolling haltPolling;
  private final Counter remoteWakeups;
  private final Counter schedYields;
  private final Counter pauseExits;
  private final Counter directedYields;

  /**
   * @param stats the VM's statistics group ({@code vm0})
   */
  public KvmVm(HypervisorCosts costs, StatGroup stats) {
    this.costs = costs;
    StatGroup kvm = stats.group("kvm");
    this.haltPolling = new HaltPolling(HaltPolling.Params.OFF, kvm);
    hypercallsUnknown =
        kvm.group("hypercalls")
            .counter("unknown", Unit.COUNT, "Hypercalls with a number KVM does not handle");
    ipisSent =
        kvm.group("apic")
            .counter("ipis_sent", Unit.COUNT, "IPIs delivered by the emulated local APICs");
    eois =
        kvm.group("apic")
            .counter("eois", Unit.COUNT, "End-of-interrupt writes to the emulated local APICs");
    pvIpiHypercalls =
        kvm.group("hypercalls")
            .counter("send_ipi", Unit.COUNT, "KVM_HC_SEND_IPI hypercalls (paravirtual IPIs)");
    remoteWakeups =
        kvm.group("apic")
            .counter(
                "halted_wakeups",
                Unit.COUNT,
                "IPIs to a vCPU halted in the host: the sender's thread woke the target's"
                    + " (try_to_wake_up)");
    pauseExits = kvm.group("ple").counter("exits", Unit.COUNT, "Pause-loop exits");
    schedYields =
        kvm.group("hypercalls").counter("sched_yield", Unit.COUNT, "KVM_HC_SCHED_YIELD hypercalls");
    directedYields =
        kvm.group("ple")
            .counter(
                "directed_yields",
                Unit.COUNT,
                "Pause-loop exits that yielded to another vCPU of the VM");
    msrWritesOther =
        kvm.group("msr")
            .counter(
                "other_writes",
                Unit.COUNT,
                "MSR writes other than to the x2APIC ICR, EOI and self-IPI registers");
  }

  /** Adds a vCPU; its APIC ID is its index. */
  public void addVcpu(Vcpu v) {
    if (v.index() != vcpus.size()) {
      throw new IllegalArgumentException("vCPUs must be added in index order");
    }
    vcpus.add(v);
    v.setApicVirtualization(apicv);
  }

  /**
   * KVM's {@code enable_apicv}: APIC virtualization and posted interrupts on every vCPU of the VM
   * (an IPI to a vCPU in guest mode takes no exit there, EOI and self-IPI writes do not exit).
   */
  public void setApicv(boolean on) {
    this.apicv = on;
    for (Vcpu v : vcpus) {
      v.setApicVirtualization(on);
    }
  }

  /**
   * KVM's halt polling (the kvm module's {@code halt_poll_ns}, {@code halt_poll_ns_grow}, {@code
   * halt_poll_ns_grow_start}, {@code halt_poll_ns_shrink}), in cycles; off until set.
   */
  public void setHaltPolling(HaltPolling.Params params) {
    haltPolling.configure(params);
  }

  /** Whether the VM's vCPUs have APIC virtualization (posted interrupts). */
  public boolean apicv() {
    return apicv;
  }

  /** The VMM in user space that takes the I/O exits KVM does not emulate (the selftests' ucall). */
  public void setUserspaceExit(UserspaceExit program) {
    this.userspace = program;
  }

  /** The EPT fault handler of this VM (a VM without one takes no EPT violations). */
  public void setEptFaultPath(EptFaultPath path) {
    this.eptFaults = path;
  }

  /**
   * Shadow paging: every guest page fault exits; one the guest's page table maps is a shadow fault
   * for {@code path} (keyed by guest-linear address), any other is reflected to the guest.
   *
   * @param guestTable the guest-physical address a guest-linear one maps to, or -1
   */
  public void setShadowFaultPath(EptFaultPath path, LongUnaryOperator guestTable, StatGroup stats) {
    this.shadowFaults = path;
    this.guestWalk = guestTable;
    this.reflectedPageFaults =
        stats.counter(
            "page_faults_reflected",
            Unit.COUNT,
            "Guest page faults the hypervisor reflected back to the guest");
  }

  /**
   * kvm_vcpu_on_spin: what a pause-loop exit of vCPU {@code v} does on the host, yielding to a
   * preempted vCPU of this VM (directed yield); the handler returns whether it found one.
   */
  public void setSpinHandler(IntPredicate handler) {
    this.onSpin = handler;
  }

  /** The host's yield_to between two vCPUs of this VM (by index); true if the target now runs. */
  @FunctionalInterface
  public interface DirectedYield {
    boolean yieldTo(int from, int to);
  }

  /** KVM_HC_SCHED_YIELD: yield from one vCPU to another of this VM if that one is preempted. */
  public void setYieldHandler(DirectedYield handler) {
    this.onYield = handler;
  }

  public List<Vcpu> vcpus() {
    return vcpus;
  }

  @Override
  public long handle(Vcpu vcpu, VmExit exit) {
    return switch (exit.reason()) {
      case CPUID -> costs.cpuidHandlerCycles();
      case VMCALL -> hypercall(vcpu, exit);
      case MSR_WRITE -> wrmsr(vcpu, exit);
      case PAUSE -> {
        // Pause-loop exiting: the guest spins (for a lock, a flush acknowledgement); KVM yields
        // to a preempted vCPU of the VM, which may be what it waits for.
        pauseExits.increment();
        // grow_ple_window: each exit doubles the window (up to its maximum) so that a long wait
        // costs few exits; it is reset when the vCPU is scheduled in again.
        vcpu.setPleWindowCycles(Math.min(PLE_WINDOW_MAX, vcpu.pleWindowCycles() * 2));
        if (onSpin.test(vcpu.index())) {
          directedYields.increment();
        }
        yield costs.pauseExitHandlerCycles();
      }
      // The kick that brought the vCPU out to take an interrupt: nothing to do but enter again
      // (the host's own interrupt handling is in the common exit path).
      case EXTERNAL_INTERRUPT -> 0L;
      case EPT_VIOLATION -> {
        if (eptFaults == null) {
          throw new IllegalStateException("EPT violation in a VM without an EPT fault path");
        }
        // Exit qualification bit 1: the access was a data write.
        yield eptFaults.handle(
            vcpu, exit.guestPhysicalAddress(), (exit.qualification() & EPT_WRITE) != 0);
      }
      case EXCEPTION_NMI -> {
        if (shadowFaults == null) {
          throw new IllegalStateException("page-fault exit in a VM without shadow paging");
        }
        long linear = exit.guestLinearAddress();
        if (guestWalk.applyAsLong(linear) < 0) {
          // Not a shadow fault: the guest's own #PF, injected at the next entry.
          reflectedPageFaults.increment();
          vcpu.reflectPageFault();
          yield costs.interruptInjectionCycles();
        }
        // Error code bit 1: the access was a write.
        yield shadowFaults.handle(vcpu, linear, (exit.qualification() & EPT_WRITE) != 0);
      }
      case IO_INSTRUCTION -> {
        if (userspace == null) {
          throw new IllegalStateException(
              "I/O exit to port 0x"
                  + Integer.toHexString(Ucall.port(exit.qualification()))
                  + " with no VMM program in user space to take it");
        }
        // KVM_EXIT_IO: KVM_RUN returns; the program runs the vCPU again when it is ready.
        vcpu.block();
        userspace.exited(vcpu, exit);
        yield 0L;
      }
      case HLT -> {
        // kvm_emulate_halt: block unless an interrupt is already pending.
        // A guest that armed its TSC-deadline timer passes the deadline in the qualification
        // (the timer programming itself is not modelled as an exit).
        long deadline = exit.qualification();
        long now = vcpu.now();
        if (deadline > now) {
          vcpu.kernel().schedule(deadline, timerFired, vcpu.index());
        }
        if (!vcpu.hasPendingInterrupt()) {
          long expected = deadline > now ? deadline - now : PowerModel.UNKNOWN;
          long window = haltPolling.window(vcpu.index());
          if (window > 0) {
            haltPolling.polls(vcpu.index());
          }
          if (window > 0 && vcpu.mayHaltPoll()) {
            vcpu.haltPoll(window, expected);
          } else {
            vcpu.sleep(expected);
          }
        }
        yield 0;
      }
      default ->
          throw new UnsupportedOperationException(
              "no handler for exit " + exit.reason().statName());
    };
  }

  @Override
  public void haltEnded(Vcpu vcpu, long haltCycles, long polledCycles, boolean waited) {
    haltPolling.ended(vcpu.index(), haltCycles, polledCycles, waited);
  }

  @Override
  public long handleRepeated(Vcpu vcpu, VmExit exit, long times) {
    if (exit.reason() == ExitReason.CPUID) {
      return costs.cpuidHandlerCycles();
    }
    if (exit.reason() == ExitReason.VMCALL && !isKnownHypercall(exit.rax())) {
      hypercallsUnknown.add(times);
      return costs.vmcallHandlerCycles();
    }
    return -1;
  }

  @Override
  public void repeatedUndone(Vcpu vcpu, VmExit exit, long undone) {
    if (exit.reason() == ExitReason.VMCALL && !isKnownHypercall(exit.rax())) {
      hypercallsUnknown.add(-undone);
    }
  }

  private long hypercall(Vcpu vcpu, VmExit exit) {
    if (exit.rax() == KvmHypercall.SEND_IPI) {
      return sendIpiHypercall(exit);
    }
    if (exit.rax() == KvmHypercall.SCHED_YIELD) {
      // kvm_sched_yield: yield to the vCPU with this APIC ID if it is preempted.
      schedYields.increment();
      int target = (int) exit.rbx();
      if (target >= 0 && target < vcpus.size() && onYield.yieldTo(vcpu.index(), target)) {
        directedYields.increment();
      }
      return costs.vmcallHandlerCycles();
    }
    if (!isKnownHypercall(exit.rax())) {
      // kvm_emulate_hypercall returns -KVM_ENOSYS in RAX.
      hypercallsUnknown.increment();
      return costs.vmcallHandlerCycles();
    }
    throw new UnsupportedOperationException("hypercall " + exit.rax() + " is not modelled yet");
  }

  /**
   * x2APIC ICR write: vector in bits 7:0, bit 11 the destination mode, destination in bits 63:32:
   * an APIC ID in physical mode, a cluster (bits 31:16) and a mask of up to 16 of its CPUs (bits
   * 15:0) in logical (cluster) mode.
   */
  private long icrWrite(long icr) {
    int vector = (int) (icr & 0xff);
    int dest = (int) (icr >>> 32);
    deliveryOffset = 0;
    if ((icr & ICR_LOGICAL) == 0) {
      deliver(dest, vector, true);
      return costs.apicIcrWriteHandlerCycles() + deliveryOffset;
    }
    int base = (dest >>> 16) * CLUSTER_SIZE;
    boolean first = true;
    for (int bit = 0; bit < CLUSTER_SIZE; bit++) {
      if ((dest & (1 << bit)) != 0) {
        deliver(base + bit, vector, first);
        first = false;
      }
    }
    return costs.apicIcrWriteHandlerCycles() + deliveryOffset;
  }

  /**
   * KVM_HC_SEND_IPI: a 128-bit bitmap of destinations in RBX (low) and RCX (high), relative to the
   * APIC ID in RDX; the ICR's vector in RSI. Returns the number of vCPUs it was delivered to in RAX
   * (not modelled).
   */
  private long sendIpiHypercall(VmExit exit) {
    pvIpiHypercalls.increment();
    int vector = (int) (exit.rsi() & 0xff);
    int min = (int) exit.rdx();
    deliveryOffset = 0;
    for (int half = 0; half < 2; half++) {
      long bits = half == 0 ? exit.rbx() : exit.rcx();
      while (bits != 0) {
        int b = Long.numberOfTrailingZeros(bits);
        bits &= bits - 1;
        // Every destination costs its IRR update and kick, the first one included.
        deliver(min + half * 64 + b, vector, false);
      }
    }
    return costs.vmcallHandlerCycles() + deliveryOffset;
  }

  /**
   * __apic_accept_irq and kvm_vcpu_kick for one destination of the sender's handler, by the
   * target's state: a target halted in the host is woken by the sender's thread (try_to_wake_up,
   * {@code remoteWakeupCycles} of the sender's handler, one target after another); one in guest
   * mode is kicked with a host IPI (an exit there) or, with APICv, sent the posted-interrupt
   * notification (no exit); one preempted, or in the host, only has the IRR (or the descriptor's
   * PIR) set and takes it at its next VM entry. Each destination is reached when the handler has
   * done the ones before it.
   *
   * @param first the handler's base cost covers this destination's IRR update and kick
   */
  private void deliver(int apicId, int vector, boolean first) {
    ipisSent.increment();
    if (!first) {
      deliveryOffset += costs.ipiPerDestinationCycles();
    }
    if (apicId < 0 || apicId >= vcpus.size()) {
      return;
    }
    Vcpu target = vcpus.get(apicId);
    if (target.isHalted()) {
      remoteWakeups.increment();
      deliveryOffset += costs.remoteWakeupCycles();
    }
    if (deliveryOffset == 0) {
      target.postInterrupt(vector);
    } else {
      target
          .kernel()
          .schedule(target.now() + deliveryOffset, delayedDelivery, ((long) apicId << 8) | vector);
    }
  }

  private static boolean isKnownHypercall(long nr) {
    return nr == KvmHypercall.KICK_CPU
        || nr == KvmHypercall.SEND_IPI
        || nr == KvmHypercall.SCHED_YIELD;
  }

  private long wrmsr(Vcpu vcpu, VmExit exit) {
    int msr = exit.msrIndex();
    switch (msr) {
      case Msr.X2APIC_SELF_IPI -> {
        ipisSent.increment();
        vcpu.postInterrupt((int) (exit.msrValue() & 0xff));
        return costs.apicIcrWriteHandlerCycles();
      }
      case Msr.X2APIC_ICR -> {
        return icrWrite(exit.msrValue());
      }
      case Msr.X2APIC_EOI -> {
        eois.increment();
        return costs.eoiHandlerCycles();
      }
      default -> {
        msrWritesOther.increment();
        return costs.msrWriteHandlerCycles();
      }
    }
  }
}
