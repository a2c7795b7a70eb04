package dev.vsim.cpu.event;

import java.util.Arrays;

/**
 * The discrete-event kernel. Time is an integer count of host cycles. Events fire in (time,
 * sequence) order, where the sequence number is the order of scheduling, so runs are deterministic.
 *
 * <p>Three levels hold the pending events, each for a range of times that only moves forward:
 *
 * <ul>
 *   <li>the <em>fine wheel</em>: {@code 2^wheelBits} one-cycle buckets for every time before {@code
 *       fineEnd}. Every event in a bucket has the same time, so a bucket is a list in sequence
 *       order, nearly always first in first out, and both scheduling and firing are O(1). A
 *       two-level bitmap of non-empty buckets finds the next event by skipping 4,096 empty cycles
 *       per summary word.
 *   <li>the <em>coarse wheel</em>: blocks of half the fine wheel's span, aligned to their size, for
 *       the times from {@code fineEnd} to {@code coarseEnd} (2^14 blocks: 2^27 cycles ahead with
 *       the default fine wheel). A block is an array of slots in scheduling order, its events'
 *       times mixed.
 *   <li>a binary heap ordered by (time, sequence) for the times from {@code coarseEnd} on.
 * </ul>
 *
 * <p>{@code fineEnd} is a multiple of the block size. Whenever the time reaches the second block of
 * the fine wheel, {@code fineEnd} moves one block on (or more, when the kernel jumps to the next
 * event across empty blocks): the blocks it passes move from the coarse wheel into the fine one,
 * event by event in their array order, and then the heap gives up, in (time, sequence) order, the
 * events that the moved {@code coarseEnd} now covers. An event scheduled less than one block ahead
 * thus always goes straight to the fine wheel, and one scheduled up to 2^27 cycles ahead moves at
 * most once more, both O(1).
 *
 * <p>Why a fine bucket's FIFO order is still sequence order: which level an event belongs to is a
 * function of its time and the two bounds, the same for all events of one time, and every event is
 * moved to its level as soon as a bound moves, before anything else is scheduled. Take two events
 * of the same time, A scheduled before B. When B is scheduled, A is already in the level B goes to
 * (A was scheduled when the bounds were lower, so at the same or a farther level, and has been
 * moved down with every bound move since). In the fine wheel and in a coarse block B goes behind A;
 * in the heap B is ordered after A. Moves keep that order: a coarse block moves in array order, the
 * heap pops in (time, sequence) order, and when one bound move takes events from both levels into
 * the fine wheel the coarse ones go first, which is right because an event still in the heap when
 * another of the same time was put into the coarse wheel must have been scheduled after it (it
 * would have moved out of the heap otherwise). A jump to the next event when the fine wheel is
 * empty is such a bound move (to the first non-empty block, or to the heap's earliest event when
 * the coarse wheel is empty too); it happens only when the target is at or before the run's limit
 * and something is pending, so the simulated time reaches the new window (an event there fires, or
 * {@code runUntil} moves the time to its limit) before anything can be scheduled again.
 *
 * <p>An event placed under a sequence number reserved earlier ({@link #scheduleAs}) may be behind
 * events of its time scheduled since; it is linked into its bucket at its place in sequence order
 * when it reaches the fine wheel (the heap orders it by its number anyway), so the order of firing
 * stays (time, sequence) whatever the order of scheduling.
 *
 * <p>Event records are slots in one {@code long[]} of four words each (time, sequence, argument,
 * and a link word: the slot's state and generation, and the next slot of its fine bucket, or its
 * index in its coarse block), handlers in an array beside it, recycled through a free list, so
 * scheduling allocates nothing once the arrays have grown to the peak number of slots in use and
 * touches one or two host cache lines of records per event instead of seven arrays' entries. An
 * event id carries its slot and the slot's generation, so a stale id never cancels a newer event.
 * Cancelling a fine wheel event is O(1): the slot is marked and released when its bucket is
 * reached. A coarse wheel event leaves at once, O(1): its place in its block is emptied and the
 * slot freed while still cached. A heap event is taken out of the heap at once (O(log n), the heap
 * tracks each slot's position). So {@link #pending()} is exact, and only the fine wheel holds
 * cancelled events.
 */
public final class EventKernel {
  /**
   * The simulator's time range: the latest cycle a run may reach. Half of {@code Long.MAX_VALUE},
   * so that a time in range plus a span in range never wraps around.
   */
  public static final long MAX_TIME = Long.MAX_VALUE / 2;

  private static final int NIL = -1;

  // A slot's state, in the low bits of its tag; the generation is in the bits above.
  private static final int FREE = 0;
  private static final int IN_FINE = 1;
  private static final int IN_COARSE = 2;
  private static final int IN_HEAP = 3;
  private static final int CANCELLED = 4;
  private static final int STATE_MASK = 7;

  // A record's words. LINK: the tag (generation << 3 | state) in the high half, the next slot of
  // its list (bucket, block or free list) in the low half.
  private static final int TIME = 0;
  private static final int SEQ = 1;
  private static final int ARG = 2;
  private static final int LINK = 3;
  private static final long GEN_MASK = -1L << 35;
  private static final long LOW = 0xffff_ffffL;

  /**
   * log2 of the coarse wheel's blocks: with the default fine wheel, 2^27 cycles ahead (tens of
   * milliseconds: the host scheduler's slice timers and the guests' timers, which the 3-VM
   * shootdown run moves 17 million times in 2 simulated seconds, all stay out of the heap).
   */
  private static final int COARSE_BITS = 14;

  private final int fineMask;
  private final int blockBits;
  private final long blockSize;
  private final int coarseMask;
  private final long coarseSpan;

  // Slots.
  private long[] rec = new long[256 << 2];
  private EventHandler[] handler = new EventHandler[256];
  private int freeHead = NIL;
  private int used;

  // Fine wheel: a FIFO list per cycle and a two-level bitmap of non-empty buckets.
  // Bucket b's head at 2b and tail at 2b + 1: an insert reads and writes one host cache line.
  private final int[] bucket;
  private final long[] nonEmpty;
  private final long[] summary;
  private int fineCount; // entries, cancelled ones included
  private long base; // no fine entry is earlier; the scan for the next one starts here
  private long fineEnd; // a multiple of blockSize, at most two blocks after base's block start
  private long coarseEnd; // fineEnd + coarseSpan

  // Coarse wheel: per block, its slots in scheduling order (an array, so that moving a block
  // reads the slots' records independently rather than chasing links), and a bitmap of the
  // non-empty blocks.
  private final int[][] block;
  private final int[] blockLength;
  private final long[] blockNonEmpty;
  private final long[] blockSummary;
  // A block's array longer than this goes back to spare once moved, so that only the blocks in
  // use hold long arrays (all 16,384 blocks come into use in turn).
  private static final int KEEP = 64;
  private int[] spare; // the longest array given back
  private int coarseCount; // entries, cancelled ones included

  // Far events: binary heap of slots ordered by (time, seq).
  private int[] heap = new int[64];
  // Each heap position's (time, seq) beside it, so that a sift compares siblings read from one or
  // two host cache lines rather than from two slots' records.
  private long[] heapTime = new long[64];
  private long[] heapSeq = new long[64];
  private int heapSize;
  private int[] heapPos = new int[256]; // per slot: its index in the heap while IN_HEAP

  private long now;
  private long nextSeq;
  private long fired;
  private long firingSeq = -1;
  private int pending;
  private boolean stopRequested;

  /**
   * A kernel whose fine wheel spans 16,384 cycles (every event of the fault-heavy runs, and all but
   * a few percent of the overcommit runs' near events, in 128 KiB of buckets that stay in a host
   * core's L2; docs/profiles/issue13-fault-path.md counts the delays) and whose coarse wheel
   * reaches 2^27 cycles ahead.
   */
  public EventKernel() {
    this(14);
  }

  /**
   * @param wheelBits log2 of the cycles the fine wheel spans (12 to 24); the coarse wheel has 2^14
   *     blocks of {@code 2^(wheelBits - 1)} cycles
   */
  public EventKernel(int wheelBits) {
    if (wheelBits < 12 || wheelBits > 24) {
      throw new IllegalArgumentException("wheelBits must be 12..24, got " + wheelBits);
    }
    this.fineMask = (1 << wheelBits) - 1;
    this.bucket = new int[2 << wheelBits];
    Arrays.fill(bucket, NIL);
    this.nonEmpty = new long[(1 << wheelBits) >>> 6];
    this.summary = new long[nonEmpty.length >>> 6];
    this.blockBits = wheelBits - 1;
    this.blockSize = 1L << blockBits;
    this.coarseMask = (1 << COARSE_BITS) - 1;
    this.coarseSpan = (long) (1 << COARSE_BITS) << blockBits;
    this.block = new int[1 << COARSE_BITS][];
    this.blockLength = new int[1 << COARSE_BITS];
    this.blockNonEmpty = new long[(1 << COARSE_BITS) >>> 6];
    this.blockSummary = new long[blockNonEmpty.length >>> 6];
    this.fineEnd = 2 * blockSize;
    this.coarseEnd = fineEnd + coarseSpan;
  }

  /** Current simulated time in cycles. */
  public long now() {
    return now;
  }

  /** Events fired so far. */
  public long eventsFired() {
    return fired;
  }

  /**
   * The sequence number of the event firing now (or fired last): with {@link #now()}, the place in
   * the order of events of the code running, so a model can tell whether an event it did not
   * schedule, of time {@code t} and number {@code q}, would have fired already: {@code t < now() ||
   * t == now() && q < firingSequence()}.
   */
  public long firingSequence() {
    return firingSeq;
  }

  /** Events scheduled and neither fired nor cancelled. */
  public int pending() {
    return pending;
  }

  /**
   * Schedules {@code h.onEvent(at, a)} at absolute time {@code at} (not before now).
   *
   * @return an id that {@link #cancel(long)} accepts
   */
  public long schedule(long at, EventHandler h, long a) {
    return place(at, nextSeq++, false, h, a);
  }

  /**
   * The sequence number the next {@link #schedule} would take, taken now for an event to be placed
   * later with {@link #scheduleAs}. A model that defers an event (a step of a vCPU whose thread is
   * off its pCPU) or leaves a moved timer where it was (the host scheduler's slice timer) takes a
   * number whenever it would have scheduled, so that the event it places later is ordered exactly
   * as the one it did not schedule would have been, among events of the same time.
   */
  public long reserveSequence() {
    return nextSeq++;
  }

  /**
   * Schedules {@code h.onEvent(at, a)} under a sequence number taken earlier from {@link
   * #reserveSequence}: it fires among the events of time {@code at} as if it had been scheduled
   * when that number was taken.
   *
   * @return an id that {@link #cancel(long)} accepts
   */
  public long scheduleAs(long at, long seq, EventHandler h, long a) {
    if (seq < 0 || seq >= nextSeq) {
      throw new IllegalArgumentException("sequence number " + seq + " was not reserved");
    }
    return place(at, seq, true, h, a);
  }

  /**
   * @param reserved whether {@code q} was reserved earlier: only such an event can have a lower
   *     number than events already in its bucket (a number taken now is above every other)
   */
  private long place(long at, long q, boolean reserved, EventHandler h, long a) {
    if (at < now) {
      throw new IllegalArgumentException("cannot schedule in the past: " + at + " < " + now);
    }
    int s = allocate();
    int r = s << 2;
    rec[r + TIME] = at;
    rec[r + SEQ] = q;
    rec[r + ARG] = a;
    handler[s] = h;
    pending++;
    long gen = rec[r + LINK] >>> 35;
    if (at < fineEnd) {
      if (reserved) {
        insertFineInOrder(s, at);
      } else {
        insertFine(s, at);
      }
    } else if (at < coarseEnd) {
      insertCoarse(s, at);
    } else {
      pushHeap(s, at, q);
    }
    return (gen << 32) | s;
  }

  /** Schedules {@code delay} cycles from now. */
  public long scheduleAfter(long delay, EventHandler h, long a) {
    return schedule(now + delay, h, a);
  }

  /**
   * Moves a pending event to {@code at}: the same as cancelling it and scheduling its handler and
   * argument again (it takes the next sequence number), but a far event that stays far is moved
   * within the heap without leaving it.
   *
   * @return the event's id from now on
   */
  public long reschedule(long id, long at) {
    int s = (int) id;
    if (s < 0 || s >= used || (int) (rec[(s << 2) + LINK] >>> 35) != (int) (id >>> 32)) {
      throw new IllegalArgumentException("no pending event " + id);
    }
    if (at < now) {
      throw new IllegalArgumentException("cannot schedule in the past: " + at + " < " + now);
    }
    int r = s << 2;
    int state = state(rec[r + LINK]);
    if (state == IN_HEAP && at >= coarseEnd) {
      long q = nextSeq++;
      rec[r + TIME] = at;
      rec[r + SEQ] = q;
      int i = heapPos[s];
      siftDown(i, s, at, q);
      if (heap[i] == s) {
        siftUp(i, s, at, q);
      }
      return id;
    }
    if (state != IN_FINE && state != IN_COARSE && state != IN_HEAP) {
      throw new IllegalArgumentException("no pending event " + id);
    }
    EventHandler h = handler[s];
    long a = rec[r + ARG];
    cancel(id);
    return schedule(at, h, a);
  }

  /** Cancels a pending event; returns false if it already fired or was cancelled. */
  public boolean cancel(long id) {
    int s = (int) id;
    if (s < 0 || s >= used) {
      return false;
    }
    int l = (s << 2) + LINK;
    long link = rec[l];
    if ((int) (link >>> 35) != (int) (id >>> 32)) {
      return false;
    }
    int state = state(link);
    if (state == IN_HEAP) {
      removeHeap(heapPos[s]);
      release(s);
      pending--;
      return true;
    }
    if (state == IN_COARSE) {
      // Out at once, its place in the block left empty: the slot is reused while still cached.
      block[(int) (rec[s << 2] >>> blockBits) & coarseMask][(int) link] = NIL;
      release(s);
      pending--;
      return true;
    }
    if (state != IN_FINE) {
      return false;
    }
    rec[l] =
        (link & ~((long) STATE_MASK << 32)) | ((long) CANCELLED << 32); // released when reached
    handler[s] = null;
    pending--;
    return true;
  }

  /** Fires the next event; returns false if none is pending. */
  public boolean step() {
    int s = pollNext(Long.MAX_VALUE);
    if (s == NIL) {
      return false;
    }
    fire(s);
    return true;
  }

  /**
   * Fires events in order until none is pending, the next is later than {@code until}, or {@link
   * #stop()} is called. Time advances to {@code until} if the queue drains before it.
   */
  public void runUntil(long until) {
    stopRequested = false;
    while (!stopRequested) {
      int s = pollNext(until);
      if (s == NIL) {
        break;
      }
      fire(s);
    }
    if (!stopRequested && until > now && until != Long.MAX_VALUE) {
      now = until;
      base = until; // every entry at or before it has been taken out of the fine wheel
      if (until >= fineEnd - blockSize) {
        advance(until);
      }
    }
  }

  /** Fires events until none is pending or {@link #stop()} is called. */
  public void run() {
    runUntil(Long.MAX_VALUE);
  }

  /** Makes the current {@code run} return after the event being fired. */
  public void stop() {
    stopRequested = true;
  }

  private static int state(long link) {
    return (int) (link >>> 32) & STATE_MASK;
  }

  private void fire(int s) {
    int r = s << 2;
    long t = rec[r + TIME];
    long a = rec[r + ARG];
    firingSeq = rec[r + SEQ];
    EventHandler h = handler[s];
    release(s);
    pending--;
    now = t;
    fired++;
    h.onEvent(t, a);
  }

  /** Removes and returns the next live event at or before {@code limit}, or NIL. */
  private int pollNext(long limit) {
    if (pending == 0 && limit == Long.MAX_VALUE) {
      // Nothing would fire, so no jump may leave the window ahead of the time.
      return NIL;
    }
    while (true) {
      if (fineCount == 0) {
        if (!jump(limit)) {
          return NIL;
        }
        continue;
      }
      int b = nextNonEmpty(nonEmpty, summary, (int) base & fineMask);
      int s = bucket[2 * b];
      int r = s << 2;
      long t = rec[r + TIME];
      if (t > limit) {
        return NIL;
      }
      long link = rec[r + LINK];
      int n = (int) link;
      bucket[2 * b] = n;
      if (n == NIL) {
        clearBit(b);
      }
      fineCount--;
      base = t;
      if (state(link) == CANCELLED) {
        release(s);
        continue;
      }
      if (t >= fineEnd - blockSize) {
        advance(t);
      }
      return s;
    }
  }

  /**
   * With the fine wheel empty, moves the window to the next event's block (or the heap's earliest
   * event) if that is not after {@code limit}; returns false if it is, or if nothing is pending.
   */
  private boolean jump(long limit) {
    long target;
    if (coarseCount > 0) {
      target = nextBlock() << blockBits;
    } else if (heapSize > 0) {
      target = heapTime[0];
    } else {
      return false;
    }
    if (target > limit) {
      return false;
    }
    base = target;
    if (coarseCount > 0) {
      fineEnd = target; // the blocks before the target's are empty: the move starts at its block
    }
    advance(target);
    return true;
  }

  /**
   * Moves {@code fineEnd} to the end of the block after {@code t}'s (t: the time about to be
   * reached, no live event earlier), moving the blocks passed into the fine wheel, then the heap
   * events the new {@code coarseEnd} covers into the wheels.
   */
  private void advance(long t) {
    long from = fineEnd >>> blockBits;
    long to = (t >>> blockBits) + 2;
    fineEnd = to << blockBits;
    coarseEnd = fineEnd + coarseSpan;
    if (coarseCount > 0) {
      moveBlocks((int) from & coarseMask, (int) Math.min(to - from, (long) coarseMask + 1));
    }
    while (heapSize > 0 && heapTime[0] < coarseEnd) {
      int s = popHeap();
      long at = rec[(s << 2) + TIME];
      if (at < fineEnd) {
        insertFineInOrder(s, at);
      } else {
        insertCoarse(s, at);
      }
    }
  }

  /** Moves the non-empty ones of the {@code n} coarse blocks from {@code first} on, cyclically. */
  private void moveBlocks(int first, int n) {
    if (n == 1) {
      if (blockLength[first] != 0) {
        moveBlock(first);
      }
      return;
    }
    int c = first;
    while (n > 0 && coarseCount > 0) {
      int w = c >>> 6;
      int off = c & 63;
      int span = Math.min(64 - off, n);
      long bits = blockNonEmpty[w] >>> off;
      if (span < 64) {
        bits &= (1L << span) - 1;
      }
      while (bits != 0) {
        moveBlock(c + Long.numberOfTrailingZeros(bits));
        bits &= bits - 1;
      }
      n -= span;
      c = (c + span) & coarseMask;
    }
  }

  /** Moves coarse block {@code c}'s events into the fine wheel, releasing the cancelled ones. */
  private void moveBlock(int c) {
    int[] slots = block[c];
    int n = blockLength[c];
    blockLength[c] = 0;
    int w = c >>> 6;
    long bits = blockNonEmpty[w] & ~(1L << (c & 63));
    blockNonEmpty[w] = bits;
    if (bits == 0) {
      blockSummary[w >>> 6] &= ~(1L << (w & 63));
    }
    coarseCount -= n;
    for (int i = 0; i < n; i++) {
      int s = slots[i];
      if (s != NIL) {
        insertFineInOrder(s, rec[s << 2]);
      }
    }
    if (slots.length > KEEP) {
      block[c] = null;
      if (spare == null || slots.length > spare.length) {
        spare = slots;
      }
    }
  }

  /** The absolute index of the first non-empty coarse block (the coarse wheel is not empty). */
  private long nextBlock() {
    long first = fineEnd >>> blockBits;
    int from = (int) first & coarseMask;
    return first + ((nextNonEmpty(blockNonEmpty, blockSummary, from) - from) & coarseMask);
  }

  /**
   * The first set bit at or after {@code from}, cyclically, in {@code nonEmpty} (not all zero),
   * whose non-zero words {@code summary} marks.
   */
  private static int nextNonEmpty(long[] nonEmpty, long[] summary, int from) {
    int w = from >>> 6;
    long bits = nonEmpty[w] & (-1L << (from & 63));
    if (bits != 0) {
      return (w << 6) + Long.numberOfTrailingZeros(bits);
    }
    int words = summary.length;
    int sw = w >>> 6;
    long sbits = (w & 63) == 63 ? 0 : summary[sw] & (-1L << ((w & 63) + 1));
    for (int i = 0; i <= words; i++) {
      if (sbits != 0) {
        int word = (sw << 6) + Long.numberOfTrailingZeros(sbits);
        return (word << 6) + Long.numberOfTrailingZeros(nonEmpty[word]);
      }
      sw = (sw + 1) % words;
      sbits = summary[sw];
    }
    throw new IllegalStateException("the wheel counts events but no bucket holds one");
  }

  private void clearBit(int b) {
    int w = b >>> 6;
    long bits = nonEmpty[w] & ~(1L << (b & 63));
    nonEmpty[w] = bits;
    if (bits == 0) {
      summary[w >>> 6] &= ~(1L << (w & 63));
    }
  }

  /** Appends {@code s}, scheduled just now (its number is the highest), to its bucket. */
  private void insertFine(int s, long t) {
    int l = (s << 2) + LINK;
    rec[l] = (rec[l] & GEN_MASK) | ((long) IN_FINE << 32) | LOW; // next: NIL
    int b = (int) t & fineMask;
    if (bucket[2 * b] == NIL) { // the tail of an emptied bucket is stale
      bucket[2 * b] = s;
      int w = b >>> 6;
      nonEmpty[w] |= 1L << (b & 63);
      summary[w >>> 6] |= 1L << (w & 63);
    } else {
      int tl = (bucket[2 * b + 1] << 2) + LINK;
      rec[tl] = (rec[tl] & ~LOW) | s;
    }
    bucket[2 * b + 1] = s;
    fineCount++;
  }

  /**
   * Links {@code s} into its bucket at its place in sequence order: an event placed under a
   * reserved number, or moved down from the coarse wheel or the heap (where it may be one).
   */
  private void insertFineInOrder(int s, long t) {
    int b = (int) t & fineMask;
    if (bucket[2 * b] != NIL && rec[(bucket[2 * b + 1] << 2) + SEQ] > rec[(s << 2) + SEQ]) {
      int l = (s << 2) + LINK;
      rec[l] = (rec[l] & GEN_MASK) | ((long) IN_FINE << 32) | LOW;
      insertBefore(s, b);
      fineCount++;
    } else {
      insertFine(s, t);
    }
  }

  /**
   * Links {@code s} into non-empty bucket {@code b} before its first entry of a greater sequence
   * number: only an event placed under a reserved number ({@link #scheduleAs}) can be behind the
   * tail's.
   */
  private void insertBefore(int s, int b) {
    long q = rec[(s << 2) + SEQ];
    int prev = NIL;
    int cur = bucket[2 * b];
    while (rec[(cur << 2) + SEQ] < q) {
      prev = cur;
      cur = (int) rec[(cur << 2) + LINK];
    }
    int l = (s << 2) + LINK;
    rec[l] = (rec[l] & ~LOW) | (cur & LOW);
    if (prev == NIL) {
      bucket[2 * b] = s;
    } else {
      int pl = (prev << 2) + LINK;
      rec[pl] = (rec[pl] & ~LOW) | s;
    }
  }

  private void insertCoarse(int s, long t) {
    int c = (int) (t >>> blockBits) & coarseMask;
    int n = blockLength[c];
    int l = (s << 2) + LINK;
    rec[l] = (rec[l] & GEN_MASK) | ((long) IN_COARSE << 32) | n; // its index in the block
    int[] slots = block[c];
    if (n == 0) {
      if (slots == null) {
        slots = block[c] = spare != null ? spare : new int[16];
        spare = null;
      }
      int w = c >>> 6;
      blockNonEmpty[w] |= 1L << (c & 63);
      blockSummary[w >>> 6] |= 1L << (w & 63);
    } else if (n == slots.length) {
      slots = block[c] = Arrays.copyOf(slots, 2 * n);
    }
    slots[n] = s;
    blockLength[c] = n + 1;
    coarseCount++;
  }

  private int allocate() {
    int s;
    if (freeHead != NIL) {
      s = freeHead;
      freeHead = (int) rec[(s << 2) + LINK];
    } else {
      if (used == handler.length) {
        grow();
      }
      s = used++;
    }
    return s;
  }

  /** Frees slot {@code s} and bumps its generation, so ids of its old event are stale. */
  private void release(int s) {
    handler[s] = null;
    int l = (s << 2) + LINK;
    long gen = (rec[l] >>> 35) + 1;
    rec[l] = (gen << 35) | ((long) FREE << 32) | (freeHead & LOW);
    freeHead = s;
  }

  private void grow() {
    int n = handler.length * 2;
    rec = Arrays.copyOf(rec, n << 2);
    handler = Arrays.copyOf(handler, n);
    heapPos = Arrays.copyOf(heapPos, n);
  }

  private void pushHeap(int s, long t, long q) {
    int l = (s << 2) + LINK;
    rec[l] = (rec[l] & GEN_MASK) | ((long) IN_HEAP << 32) | LOW;
    if (heapSize == heap.length) {
      heap = Arrays.copyOf(heap, heapSize * 2);
      heapTime = Arrays.copyOf(heapTime, heapSize * 2);
      heapSeq = Arrays.copyOf(heapSeq, heapSize * 2);
    }
    siftUp(heapSize++, s, t, q);
  }

  private int popHeap() {
    int top = heap[0];
    removeHeap(0);
    return top;
  }

  /** Takes the event at heap index {@code i} out of the heap. */
  private void removeHeap(int i) {
    int n = --heapSize;
    if (i == n) {
      return;
    }
    int last = heap[n];
    long t = heapTime[n];
    long q = heapSeq[n];
    siftDown(i, last, t, q);
    if (heap[i] == last) {
      siftUp(i, last, t, q);
    }
  }

  /** Places {@code s}, of (time, seq) (t, q), at index {@code i} or above. */
  private void siftUp(int i, int s, long t, long q) {
    while (i > 0) {
      int p = (i - 1) >>> 1;
      long pt = heapTime[p];
      if (!(t < pt || (t == pt && q < heapSeq[p]))) {
        break;
      }
      move(p, i);
      i = p;
    }
    place(i, s, t, q);
  }

  /** Places {@code s}, of (time, seq) (t, q), at index {@code i} or below. */
  private void siftDown(int i, int s, long t, long q) {
    while (true) {
      int c = 2 * i + 1;
      if (c >= heapSize) {
        break;
      }
      long ct = heapTime[c];
      long cq = heapSeq[c];
      if (c + 1 < heapSize) {
        long rt = heapTime[c + 1];
        long rq = heapSeq[c + 1];
        if (rt < ct || (rt == ct && rq < cq)) {
          c++;
          ct = rt;
          cq = rq;
        }
      }
      if (!(ct < t || (ct == t && cq < q))) {
        break;
      }
      move(c, i);
      i = c;
    }
    place(i, s, t, q);
  }

  /** Moves the heap entry at {@code from} to {@code to}. */
  private void move(int from, int to) {
    int m = heap[from];
    heap[to] = m;
    heapTime[to] = heapTime[from];
    heapSeq[to] = heapSeq[from];
    heapPos[m] = to;
  }

  private void place(int i, int s, long t, long q) {
    heap[i] = s;
    heapTime[i] = t;
    heapSeq[i] = q;
    heapPos[s] = i;
  }
}
