package dev.vsim.hypervisor.vmm;

import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.cpu.vmx.VmExit;

/**
 * The VMM in user space, to which KVM hands the exits it does not handle itself (KVM_RUN returns):
 * here the I/O exits of the selftests' ucall. The vCPU's thread is in user space until the program
 * calls KVM_RUN again ({@link Vcpu#wake}).
 */
public interface UserspaceExit {
  /**
   * The vCPU's KVM_RUN returned with {@code exit}; the program blocks the vCPU and wakes it when it
   * runs the vCPU again.
   */
  void exited(Vcpu vcpu, VmExit exit);
}
