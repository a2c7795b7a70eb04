package dev.vsim.guest.apic;

import dev.vsim.cpu.pv.KvmHypercall;
import dev.vsim.cpu.pv.Msr;
import dev.vsim.cpu.registry.Registry;
import dev.vsim.cpu.vmx.ExitReason;
import dev.vsim.cpu.vmx.GuestOp;
import java.util.Arrays;

/**
 * The guest's APIC driver sending one IPI to a set of CPUs, as Linux's x2APIC drivers do: {@code
 * physical} writes the ICR once per destination, {@code cluster} once per cluster of up to 16 CPUs
 * (logical destination mode), {@code pv} makes one KVM_HC_SEND_IPI hypercall per 128 consecutive
 * APIC IDs. {@link #prepare} encodes the writes for a destination set; {@link #emit} turns one of
 * them into the exiting instruction. Reuses its buffers: no allocation per IPI.
 */
public final class IpiSender {
  private static final int CLUSTER = 16;
  private static final long ICR_LOGICAL = 1L << 11;

  /** How the guest sends an IPI. */
  public enum Mode {
    PHYSICAL("physical"),
    CLUSTER("cluster"),
    PV("pv");

    private final String id;

    Mode(String id) {
      this.id = id;
    }

    @Override
    public String toString() {
      return id;
    }

    /**
     * The mode of this name.
     *
     * @throws IllegalArgumentException for an unknown name, with a did-you-mean
     */
    public static Mode of(String name) {
      return MODES.get(name);
    }
  }

  /** Every mode by the name a scenario gives it. */
  public static final Registry<Mode> MODES =
      new Registry<Mode>("ipi mode", "how the guest's APIC driver sends an IPI to a set of CPUs")
          .register(
              Mode.PHYSICAL.id,
              "x2APIC physical destination mode: one ICR write (one exit) per destination CPU",
              Mode.PHYSICAL)
          .register(
              Mode.CLUSTER.id,
              "x2APIC cluster (logical) mode: one ICR write per cluster of up to 16 CPUs (Linux's"
                  + " x2APIC default)",
              Mode.CLUSTER)
          .register(
              Mode.PV.id,
              "KVM PV IPIs: one KVM_HC_SEND_IPI hypercall per 128 consecutive APIC IDs",
              Mode.PV);

  private final Mode mode;
  private long[] sends = new long[16]; // per send: ICR value, or (low, high, min) for PV
  private int count;

  public IpiSender(Mode mode) {
    this.mode = mode;
  }

  public Mode mode() {
    return mode;
  }

  /**
   * Encodes an IPI of {@code vector} to the {@code n} APIC IDs in {@code destinations} (ascending).
   *
   * @return the number of ICR writes or hypercalls it takes
   */
  public int prepare(int[] destinations, int n, int vector) {
    count = 0;
    int stride = mode == Mode.PV ? 3 : 1;
    if (sends.length < n * stride) {
      sends = Arrays.copyOf(sends, Math.max(n * stride, sends.length * 2));
    }
    int i = 0;
    switch (mode) {
      case PHYSICAL -> {
        for (; i < n; i++) {
          sends[count++] = ((long) destinations[i] << 32) | vector;
        }
      }
      case CLUSTER -> {
        while (i < n) {
          int cluster = destinations[i] / CLUSTER;
          int mask = 0;
          while (i < n && destinations[i] / CLUSTER == cluster) {
            mask |= 1 << (destinations[i] % CLUSTER);
            i++;
          }
          long logical = ((long) cluster << 16) | mask;
          sends[count++] = (logical << 32) | ICR_LOGICAL | vector;
        }
      }
      case PV -> {
        while (i < n) {
          int min = destinations[i];
          long low = 0;
          long high = 0;
          while (i < n && destinations[i] - min < KvmHypercall.SEND_IPI_DESTINATIONS_64BIT) {
            int off = destinations[i] - min;
            if (off < 64) {
              low |= 1L << off;
            } else {
              high |= 1L << (off - 64);
            }
            i++;
          }
          sends[3 * count] = low;
          sends[3 * count + 1] = high;
          sends[3 * count + 2] = min;
          count++;
        }
      }
      default -> throw new IllegalStateException(mode.toString());
    }
    this.vector = vector;
    return count;
  }

  private int vector;

  /** Writes prepared send {@code i} into {@code op}, after {@code cyclesBefore} of driver code. */
  public void emit(GuestOp op, int i, long cyclesBefore) {
    if (i >= count) {
      throw new IndexOutOfBoundsException("send " + i + " of " + count);
    }
    if (mode == Mode.PV) {
      op.exit(ExitReason.VMCALL, cyclesBefore, 1)
          .registers(KvmHypercall.SEND_IPI, sends[3 * i], sends[3 * i + 1], sends[3 * i + 2])
          .rsi(vector);
    } else {
      op.exit(ExitReason.MSR_WRITE, cyclesBefore, 1).wrmsr(Msr.X2APIC_ICR, sends[i]);
    }
  }
}
