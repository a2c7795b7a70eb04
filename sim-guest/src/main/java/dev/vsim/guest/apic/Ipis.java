package dev.vsim.guest.apic;

import dev.vsim.cpu.vmx.GuestOp;

/**
 * The guest kernel's IPI facility over its APIC driver ({@link IpiSender}), one sender per CPU: a
 * CPU starts an IPI of one vector to a set of CPUs ({@link #start}, as smp_call_function_many or
 * smp_send_reschedule do) and the kernel then emits its ICR writes or hypercalls one operation at a
 * time ({@link #emitNext}), each after the driver's {@code sendCycles}. Reuses its buffers: no
 * allocation per IPI.
 */
public final class Ipis {
  /** Linux sends function calls (TLB flush requests among them) with CALL_FUNCTION_VECTOR. */
  public static final int CALL_FUNCTION_VECTOR = 0xfb;

  /** Linux's RESCHEDULE_VECTOR: a wake-up sends it to an idle (halted) CPU. */
  public static final int RESCHEDULE_VECTOR = 0xfd;

  private final IpiSender[] senders;
  private final int[][] destinations;
  private final int[] sends;
  private final int[] nextSend;
  private final long[] firstCycles;
  private final long sendCycles;

  /**
   * @param cpus the guest's CPUs
   * @param mode how the APIC driver sends
   * @param sendCycles the driver's cycles around each ICR write or hypercall
   */
  public Ipis(int cpus, IpiSender.Mode mode, long sendCycles) {
    senders = new IpiSender[cpus];
    destinations = new int[cpus][cpus];
    sends = new int[cpus];
    nextSend = new int[cpus];
    firstCycles = new long[cpus];
    this.sendCycles = sendCycles;
    for (int i = 0; i < cpus; i++) {
      senders[i] = new IpiSender(mode);
    }
  }

  public IpiSender.Mode mode() {
    return senders.length == 0 ? null : senders[0].mode();
  }

  public long sendCycles() {
    return sendCycles;
  }

  /** The buffer {@code cpu} fills with the destinations of its next IPI (ascending). */
  public int[] destinations(int cpu) {
    return destinations[cpu];
  }

  /**
   * {@code cpu} starts sending {@code vector} to the first {@code count} of its {@link
   * #destinations}; its first write comes after {@code cyclesBefore} (the driver's and whatever the
   * kernel did before it), the others after the driver's cycles.
   */
  public void start(int cpu, int count, int vector, long cyclesBefore) {
    sends[cpu] = senders[cpu].prepare(destinations[cpu], count, vector);
    nextSend[cpu] = 0;
    firstCycles[cpu] = cyclesBefore;
  }

  /**
   * The next ICR write or hypercall of the IPI {@code cpu} is sending.
   *
   * @return whether it was the last
   */
  public boolean emitNext(int cpu, GuestOp op) {
    int i = nextSend[cpu]++;
    senders[cpu].emit(op, i, i == 0 ? firstCycles[cpu] : sendCycles);
    return nextSend[cpu] == sends[cpu];
  }
}
