package dev.vsim.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitHandler;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.cpu.vmx.VmExit;
import dev.vsim.guest.apic.IpiSender;
import dev.vsim.guest.memory.GuestMemory;
import dev.vsim.guest.memory.RecordingTlb;
import dev.vsim.guest.memory.TlbShootdown;
import dev.vsim.guest.workload.Workload;
import dev.vsim.mmu.pagetable.PageSize;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The guest kernel's services run on two vCPUs with a minimal hypervisor (ICR writes post the
 * interrupt, HLT blocks until one): the kernel's own operations (flush IPIs, the wait, reschedule
 * IPIs, HLT) come before the workload's next operation, and an idle CPU in lazy TLB mode is sent no
 * flush IPI but flushes its whole TLB when it switches back.
 */
class GuestKernelServicesTest {
  private static final long INVLPG = 200;
  private static final long SEND = 100;

  private final EventKernel kernel = new EventKernel();
  private final StatGroup stats = new StatGroup("vm");
  private final Vcpu[] vcpus = new Vcpu[2];
  private final RecordingTlb[] tlbs = {new RecordingTlb(), new RecordingTlb()};
  private final List<String> icrWrites = new ArrayList<>();
  private final GuestMemory memory = new GuestMemory(64L << 20, PageSize.SIZE_4K, 4, 32L << 20, 0);
  private final long base = memory.map(1L << 20);
  private GuestKernel guest;

  private final ExitHandler hypervisor =
      new ExitHandler() {
        @Override
        public long handle(Vcpu v, VmExit exit) {
          if (exit.reason() == ExitReason.MSR_WRITE && exit.rcx() == Msr.X2APIC_ICR) {
            long icr = exit.msrValue();
            int dest = (int) (icr >>> 32);
            int vector = (int) (icr & 0xff);
            icrWrites.add(v.index() + "->" + dest + ":" + Integer.toHexString(vector));
            vcpus[dest].postInterrupt(vector);
          } else if (exit.reason() == ExitReason.HLT && !v.hasPendingInterrupt()) {
            v.block();
          }
          return 0;
        }

        @Override
        public long handleRepeated(Vcpu v, VmExit exit, long times) {
          return -1;
        }
      };

  private void boot(Workload w) {
    StealTime[] steal = {new StealTime(), new StealTime()};
    guest = new GuestKernel(2, memory, 400, steal, kernel::now);
    guest.enableIpis(IpiSender.Mode.PHYSICAL, SEND);
    guest.enableTlbShootdown(
        new TlbShootdown.Params(false, 50, INVLPG, false, 1_000_000_000L),
        true,
        stats.group("shootdown"));
    for (int i = 0; i < 2; i++) {
      vcpus[i] =
          new Vcpu(
              i,
              kernel,
              new VmxCosts(300, 300, 200, 0, 0),
              new HypervisorCosts(0, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0),
              stats.group("vcpu" + i));
      vcpus[i].setMmu(tlbs[i], null);
      vcpus[i].attach(guest, hypervisor);
    }
    guest.run(w);
    for (Vcpu v : vcpus) {
      v.start();
    }
    kernel.run();
  }

  private long stat(String name) {
    return stats.snapshot().get("vm." + name).longValue();
  }

  @Test
  void aShootdownSendsItsFlushIpiWaitsForTheAcknowledgementThenMunmapReturns() {
    List<String> steps = new ArrayList<>();
    boot(
        new Workload() {
          final int[] step = new int[2];

          @Override
          public void next(Vcpu v, GuestOp op) {
            GuestServices k = guest;
            int s = step[v.index()]++;
            if (v.index() == 1) {
              // A long computation the flush IPI interrupts, then the end.
              if (s == 0) {
                op.compute(1_000_000);
              } else {
                k.exit(v);
                op.done();
              }
              return;
            }
            switch (s) {
              case 0 -> op.compute(10_000); // vCPU 1 is in the mm's cpumask by then
              case 1 -> {
                assertTrue(k.munmap(v, base, 2), "vCPU 1 must flush too: the kernel waits");
                steps.add("munmap at " + kernel.now());
              }
              case 2 -> {
                steps.add("returned at " + kernel.now());
                k.exit(v);
                op.done();
              }
              default -> throw new IllegalStateException("step " + s);
            }
          }
        });
    assertEquals(List.of("0->1:fb"), icrWrites, "one ICR write, physical mode");
    assertEquals(2, steps.size());
    assertEquals(2, tlbs[0].invlpgs, "the local flush: INVLPG twice");
    assertEquals(2, tlbs[1].invlpgs, "the handler's flush");
    assertEquals(1, stat("shootdown.count"));
    assertEquals(1, stat("shootdown.ipis_sent"));
    long munmap = Long.parseLong(steps.get(0).substring("munmap at ".length()));
    long back = Long.parseLong(steps.get(1).substring("returned at ".length()));
    // The ICR write's exit (after 2 INVLPGs and the driver's cycles), the target's kick, handler
    // and EOI, one poll round: the return comes well after munmap, in the same run.
    assertTrue(back > munmap + 2 * INVLPG + SEND, steps.toString());
    assertEquals(back - munmap, stat("shootdown.latency_us_max") * 1000, 1000.0);
  }

  @Test
  void aLazyIdleCpuIsSentNoFlushIpiButARescheduleAndFlushesFullyWhenItSwitchesBack() {
    List<String> ran = new ArrayList<>();
    boot(
        new Workload() {
          final int[] step = new int[2];

          @Override
          public void next(Vcpu v, GuestOp op) {
            GuestServices k = guest;
            if (step[0] == 0 && step[1] == 0) {
              k.startThreads(2, 1L << 40, 0); // thread 0 on CPU 0, thread 1 on CPU 1
            }
            int s = step[v.index()]++;
            if (v.index() == 1) {
              switch (s) {
                case 0 -> op.compute(1_000);
                case 1 -> {
                  assertEquals(1, k.currentThread(v));
                  k.block(v); // waits for thread 0
                  assertEquals(-1, k.currentThread(v), "thread 0 runs on CPU 0");
                  k.idle(v, 1L << 40);
                }
                case 2 -> {
                  ran.add("cpu1 runs thread " + k.currentThread(v));
                  k.exit(v);
                  op.done();
                }
                default -> throw new IllegalStateException("step " + s);
              }
              return;
            }
            switch (s) {
              case 0 -> {
                assertEquals(0, k.currentThread(v));
                op.compute(10_000);
              }
              case 1 -> {
                assertFalse(k.munmap(v, base, 1), "CPU 1 idles in lazy TLB mode: no IPI");
                assertEquals(0, tlbs[1].fullFlushes, "not yet");
                assertTrue(k.wake(v, 1), "thread 1's CPU idles: a reschedule IPI");
              }
              case 2 -> {
                ran.add("cpu0 back after the reschedule IPI");
                k.exit(v);
                op.done();
              }
              default -> throw new IllegalStateException("step " + s);
            }
          }
        });
    assertEquals(List.of("0->1:fd"), icrWrites, "no flush IPI, one reschedule IPI");
    assertEquals(List.of("cpu0 back after the reschedule IPI", "cpu1 runs thread 1"), ran);
    assertEquals(1, tlbs[0].invlpgs);
    assertEquals(0, tlbs[1].invlpgs);
    assertEquals(1, tlbs[1].fullFlushes, "switching back from lazy TLB mode: a full flush");
    assertEquals(1, stat("shootdown.ipis_skipped_lazy"));
    assertEquals(0, stat("shootdown.ipis_sent"));
    assertEquals(1, stat("vcpu1.exits.hlt.count"));
  }
}
