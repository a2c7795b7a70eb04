package dev.vsim.cpu.pv;

/**
 * The KVM selftests' ucall, by which guest code hands a value to its host program: on x86 an OUT to
 * an I/O port that KVM does not emulate, so KVM_RUN returns to user space with KVM_EXIT_IO (the
 * port, in the exit qualification, and the kind of call, in RAX).
 */
public final class Ucall {
  private Ucall() {}

  /** UCALL_PIO_PORT of the selftests' x86 ucall. */
  public static final int PIO_PORT = 0x1000;

  /** UCALL_SYNC (GUEST_SYNC): the guest reached a point the host waits for. */
  public static final int SYNC = 1;

  /** The exit qualification of an OUT to {@code port} (SDM Table 28-5: port in bits 31:16). */
  public static long outQualification(int port) {
    return (long) port << 16;
  }

  /** The port of an I/O-instruction exit's qualification. */
  public static int port(long qualification) {
    return (int) ((qualification >>> 16) & 0xffff);
  }
}
