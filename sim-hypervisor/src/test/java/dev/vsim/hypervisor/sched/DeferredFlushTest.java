package dev.vsim.hypervisor.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.profile.HypervisorCosts;
import dev.vsim.cpu.profile.Topology;
import dev.vsim.cpu.profile.VmxCosts;
import dev.vsim.cpu.pv.StealTime;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.vmx.ExitHandler;
import dev.vsim.cpu.vmx.GuestCode;
import dev.vsim.cpu.vmx.GuestOp;
import dev.vsim.cpu.vmx.Vcpu;
import dev.vsim.cpu.vmx.VmExit;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import org.junit.jupiter.api.Test;

/**
 * Two vCPU threads share one pCPU. While vCPU 0 is preempted its guest (on the other vCPU) asks for
 * a PV TLB flush through its steal-time area: the host flushes it when it is scheduled in, before
 * it runs any guest code, and it is marked preempted only while off the pCPU.
 */
class DeferredFlushTest {
  private static final long GHZ = 1_000_000_000L;
  private static final long STEP = 10_000; // guest work between two looks at the clock

  @Test
  void aPreemptedVcpuGetsItsDeferredFlushBeforeItRunsGuestCode() {
    EventKernel kernel = new EventKernel();
    StatGroup stats = new StatGroup("");
    FairScheduler s =
        new FairScheduler(
            kernel, new Topology(1, 1, 1), SchedulerParams.linuxDefaults(GHZ, 1), stats);
    StealTime[] areas = {new StealTime(), new StealTime()};
    LongArrayList flushes = new LongArrayList();
    LongArrayList guestSteps = new LongArrayList(); // vCPU 0's guest operations
    long[] requestedAt = {-1};
    VcpuThread[] threads = new VcpuThread[2];
    StealTimeAccounting steal =
        new StealTimeAccounting(
            s,
            task -> {
              assertEquals(threads[0].task(), task);
              flushes.add(kernel.now());
            });
    for (int i = 0; i < 2; i++) {
      int v = i;
      Vcpu vcpu =
          new Vcpu(
              i,
              kernel,
              new VmxCosts(300, 300, 200, 0, 0),
              new HypervisorCosts(100, 0, 0, 0, 50, 0, 0, 0, 0, 0, 0, 0),
              stats.group("vcpu" + i));
      vcpu.attach(
          new GuestCode() {
            @Override
            public void next(Vcpu c, GuestOp op) {
              if (v == 0) {
                guestSteps.add(c.now());
              } else if (requestedAt[0] < 0 && areas[0].isPreempted()) {
                // The other vCPU's shootdown finds vCPU 0 preempted: flush on its next entry.
                assertTrue(areas[0].requestFlushIfPreempted());
                requestedAt[0] = c.now();
              }
              if (c.now() > 200_000_000) {
                op.done();
              } else {
                op.compute(STEP);
              }
            }

            @Override
            public void interrupt(Vcpu c, int vector) {}
          },
          new ExitHandler() {
            @Override
            public long handle(Vcpu c, VmExit exit) {
              return 0;
            }

            @Override
            public long handleRepeated(Vcpu c, VmExit exit, long times) {
              return -1;
            }
          });
      threads[i] = new VcpuThread(s, vcpu, stats.group("thread" + i));
      steal.attach(threads[i].task(), areas[i]);
      vcpu.onDone(threads[v]::exit);
    }
    threads[0].start(0);
    threads[1].start(0);
    kernel.run();
    assertTrue(requestedAt[0] > 0, "vCPU 0 was preempted while vCPU 1 ran");
    assertEquals(1, flushes.size(), "one flush, on vCPU 0's next entry");
    long flushAt = flushes.getLong(0);
    assertTrue(flushAt > requestedAt[0]);
    // vCPU 0 ran no guest code between the request and the flush.
    for (long t : guestSteps) {
      assertTrue(t <= requestedAt[0] || t >= flushAt, "guest code at " + t);
    }
    assertTrue(guestSteps.getLong(guestSteps.size() - 1) > flushAt, "and ran after it");
  }
}
