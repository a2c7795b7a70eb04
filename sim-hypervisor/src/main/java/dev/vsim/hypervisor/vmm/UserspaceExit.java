package dev.vsim.hypervisor.vmm;

import dev.vsim.cpu.pv.Ucall;
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

  /**
   * Checks that {@code exit} is the GUEST_SYNC ucall, the only one the selftests modelled here
   * make.
   *
   * @throws IllegalStateException naming {@code test} and the port the exit used
   */
  static void requireSync(VmExit exit, String test) {
    if (Ucall.port(exit.qualification()) != Ucall.PIO_PORT || exit.rax() != Ucall.SYNC) {
      throw new IllegalStateException(
          test
              + " expects only GUEST_SYNC ucalls, got port 0x"
              + Integer.toHexString(Ucall.port(exit.qualification())));
    }
  }
}
