package dev.vsim.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestCode;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A loop of unknown hypercalls that KVM answers with -KVM_ENOSYS is costed in one step when
 * batched; an interrupt that cuts it short must leave the hypervisor's count of hypercalls equal to
 * the exits that happened, as stepping them one by one gives.
 */
class BatchedHypercallsTest {
  private static final long LOOP = 1000;

  /** Runs the loop, with an interrupt posted at cycle 50,000; returns the VM's metrics. */
  private static Map<String, Number> run(boolean batching) {
    EventKernel kernel = new EventKernel();
    StatGroup vm = new StatGroup("vm0");
    HypervisorCosts costs = new HypervisorCosts(100, 150, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0);
    KvmVm kvm = new KvmVm(costs, vm);
    Vcpu v = new Vcpu(0, kernel, new VmxCosts(300, 300, 200, 0, 0), costs, vm.group("vcpu0"));
    long[] left = {LOOP};
    int[] handler = {0};
    v.attach(
        new GuestCode() {
          @Override
          public void next(Vcpu vcpu, GuestOp op) {
            if (handler[0] > 0) {
              handler[0]--;
              op.compute(400);
            } else if (left[0] == 0) {
              op.done();
            } else {
              op.exit(ExitReason.VMCALL, 20, left[0]).registers(0x7777, 0, 0, 0);
              left[0] = 0;
            }
          }

          @Override
          public void interrupt(Vcpu vcpu, int vector) {
            left[0] += vcpu.unfinishedIterations(); // the loop resumes after the handler
            handler[0] = 1;
          }
        },
        kvm);
    v.setBatching(batching);
    kvm.addVcpu(v);
    kernel.schedule(50_000, (now, a) -> v.postInterrupt(0x30), 0);
    v.start();
    kernel.run();
    return vm.snapshot();
  }

  @Test
  void anInterruptedBatchCountsEveryHypercallOnce() {
    Map<String, Number> batched = run(true);
    Map<String, Number> stepped = run(false);
    assertEquals(LOOP, stepped.get("vm0.kvm.hypercalls.unknown").longValue());
    assertEquals(LOOP, batched.get("vm0.kvm.hypercalls.unknown").longValue());
    assertEquals(LOOP, batched.get("vm0.vcpu0.exits.vmcall.count").longValue());
    assertEquals(
        stepped.get("vm0.vcpu0.time.hypervisor_cycles"),
        batched.get("vm0.vcpu0.time.hypervisor_cycles"));
  }
}
