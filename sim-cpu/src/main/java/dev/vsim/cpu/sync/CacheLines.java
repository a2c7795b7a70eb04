package dev.vsim.cpu.sync;

import dev.vsim.cpu.stats.Counter;
import dev.vsim.cpu.stats.StatGroup;
import dev.vsim.cpu.stats.Unit;

/**
 * Cache lines that several cores write with atomic read-modify-writes (a lock word, a shared
 * counter, a page-table entry): a write by the core that wrote the line last finds it in its own
 * cache and costs nothing here (the path's own cost covers it); a write by any other core first
 * moves the line over, which takes a flat {@code transferCycles} or, by {@link LineDistance}, the
 * SMT sibling's, the socket's or the remote socket's figure, and a line moves to one core at a
 * time, so cores that write it at once queue for it. The lines are kept in a directory of recently
 * written lines, like the snoop filter that tracks which core holds a line: a line whose entry
 * another line took over is treated as written back, owned by no core, and its next write costs no
 * transfer.
 *
 * <p>Everything is arithmetic on primitive arrays: a write returns the cycle at which it is done,
 * with no event and no allocation. Writes must be made in the order of their times, as the event
 * kernel delivers them.
 */
public final class CacheLines {
  private static final int NO_CORE = -1;

  private final LineDistance distance;
  private final int mask;
  private final long[] tag;
  private final int[] owner;
  private final long[] busyUntil;
  private final Counter writes;
  private final Counter transfers;
  private long waitCycles;

  /**
   * @param directoryEntries lines tracked at once (rounded up to a power of two); one is enough for
   *     a single lock word
   * @param transferCycles moving a modified line from one core's cache to another's
   * @param stats group for the lines' statistics (e.g. {@code vm0.host_mm.mmap_lock})
   */
  public CacheLines(int directoryEntries, long transferCycles, StatGroup stats) {
    this(directoryEntries, LineDistance.flat(transferCycles), stats);
  }

  /**
   * Lines whose transfers cost by the distance between the core that wrote them last and the writer
   * ({@link LineDistance}); the "cores" of {@link #write} are then hardware threads.
   */
  public CacheLines(int directoryEntries, LineDistance distance, StatGroup stats) {
    if (directoryEntries < 1) {
      throw new IllegalArgumentException("a directory needs at least one entry");
    }
    int n = Integer.highestOneBit(directoryEntries);
    if (n < directoryEntries) {
      n <<= 1;
    }
    this.distance = distance;
    this.mask = n - 1;
    this.tag = new long[n];
    this.owner = new int[n];
    this.busyUntil = new long[n];
    java.util.Arrays.fill(tag, -1);
    java.util.Arrays.fill(owner, NO_CORE);
    this.writes = stats.counter("line_writes", Unit.COUNT, "Atomic writes to the shared lines");
    this.transfers =
        stats.counter(
            "line_transfers",
            Unit.COUNT,
            "Writes that had to move the line from the core that wrote it last");
    stats.gauge(
        "line_wait_cycles",
        Unit.CYCLES,
        "Cycles writers waited for a line another core was taking, over all writes",
        () -> waitCycles);
  }

  /**
   * Core {@code core} writes line {@code line} (any non-negative number naming it, e.g. its address
   * divided by the line size) at {@code now}.
   *
   * @return the cycle at which the write is done ({@code now} if the core owns the line)
   */
  public long write(long line, int core, long now) {
    if (line < 0) {
      throw new IllegalArgumentException("line numbers are non-negative");
    }
    writes.increment();
    int i = slot(line);
    if (tag[i] != line) {
      // A line the directory does not track is in no core's cache: it comes from memory, which
      // the path's own cost covers.
      tag[i] = line;
      owner[i] = core;
      busyUntil[i] = now;
      return now;
    }
    long start = Math.max(now, busyUntil[i]);
    waitCycles += start - now;
    if (owner[i] == core) {
      return start;
    }
    transfers.increment();
    long done = start + distance.cycles(owner[i], core);
    owner[i] = core;
    busyUntil[i] = done;
    return done;
  }

  /** The core that wrote {@code line} last, or -1 if none is known. */
  public int owner(long line) {
    int i = slot(line);
    return tag[i] == line ? owner[i] : NO_CORE;
  }

  public long transfers() {
    return transfers.value();
  }

  private int slot(long line) {
    long h = line * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 40) & mask;
  }
}
