package dev.vsim.hypervisor;

import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.pv.KvmHypercall;
import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitHandler;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.cpu.vmx.VmExit;
import dev.vsim.hypervisor.mmu.EptFaultPath;
import java.util.ArrayList;
import java.util.List;

/**
 * The hypervisor's view of one VM: its vCPUs and their virtual local APICs, and the exit handlers
 * that KVM's {@code vmx_handle_exit} dispatches to. Costs are the profile's {@link
 * HypervisorCosts}; the common exit path around each handler is charged by the {@link Vcpu}.
 */
public final class KvmVm implements ExitHandler {
  /** EPT-violation exit qualification bit 1: the access was a data write (SDM Table 28-7). */
  public static final long EPT_WRITE = 1L << 1;

  private final HypervisorCosts costs;
  private final List<Vcpu> vcpus = new ArrayList<>();
  private final Counter hypercallsUnknown;
  private final Counter ipisSent;
  private final Counter msrWritesOther;
  private final Counter eois;
  private EptFaultPath eptFaults;

  /**
   * @param stats the VM's statistics group ({@code vm0})
   */
  public KvmVm(HypervisorCosts costs, StatGroup stats) {
    this.costs = costs;
    StatGroup kvm = stats.group("kvm");
    hypercallsUnknown = kvm.group("hypercalls").counter("unknown");
    ipisSent = kvm.group("apic").counter("ipis_sent");
    eois = kvm.group("apic").counter("eois");
    msrWritesOther = kvm.group("msr").counter("other_writes");
  }

  /** Adds a vCPU; its APIC ID is its index. */
  public void addVcpu(Vcpu v) {
    if (v.index() != vcpus.size()) {
      throw new IllegalArgumentException("vCPUs must be added in index order");
    }
    vcpus.add(v);
  }

  /** The EPT fault handler of this VM (a VM without one takes no EPT violations). */
  public void setEptFaultPath(EptFaultPath path) {
    this.eptFaults = path;
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
      case EPT_VIOLATION -> {
        if (eptFaults == null) {
          throw new IllegalStateException("EPT violation in a VM without an EPT fault path");
        }
        // Exit qualification bit 1: the access was a data write.
        yield eptFaults.handle(
            vcpu, exit.guestPhysicalAddress(), (exit.qualification() & EPT_WRITE) != 0);
      }
      case HLT -> {
        // kvm_emulate_halt: block unless an interrupt is already pending.
        if (!vcpu.hasPendingInterrupt()) {
          vcpu.block();
        }
        yield 0;
      }
      default ->
          throw new UnsupportedOperationException(
              "no handler for exit " + exit.reason().statName());
    };
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

  private long hypercall(Vcpu vcpu, VmExit exit) {
    if (!isKnownHypercall(exit.rax())) {
      // kvm_emulate_hypercall returns -KVM_ENOSYS in RAX.
      hypercallsUnknown.increment();
      return costs.vmcallHandlerCycles();
    }
    throw new UnsupportedOperationException("hypercall " + exit.rax() + " is not modelled yet");
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
        // x2APIC ICR: vector in bits 7:0, destination APIC ID in bits 63:32 (physical mode).
        int vector = (int) (exit.msrValue() & 0xff);
        int dest = (int) (exit.msrValue() >>> 32);
        ipisSent.increment();
        if (dest >= 0 && dest < vcpus.size()) {
          vcpus.get(dest).postInterrupt(vector);
        }
        return costs.apicIcrWriteHandlerCycles();
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
