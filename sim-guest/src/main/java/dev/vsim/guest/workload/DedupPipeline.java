package dev.vsim.guest.workload;

import it.unimi.dsi.fastutil.ints.IntArrayFIFOQueue;

/**
 * The bookkeeping of PARSEC {@code dedup}'s pipeline, Fragment → FragmentRefine → Deduplicate →
 * Compress → Reorder, with {@code dedup -t T}'s threads: one Fragment, T of each middle stage, one
 * Reorder. It keeps the bounded queues between the stages, the chunk buffers and which thread waits
 * for what; it decides, never emits: the workload turns its answers into work, sleeps and wake-ups.
 *
 * <p>A chunk buffer is mapped by Fragment (a fresh mmap needs no shootdown), read by the three
 * middle stages on their own vCPUs (so their TLBs cache its pages) and freed by Compress once the
 * chunk is compressed (dedup's {@code mbuffer_free} of the uncompressed data: the unmap is a TLB
 * shootdown); Reorder writes the compressed output, which is small and not unmapped. A thread whose
 * input queue is empty, or whose output queue is full, sleeps (a futex wait: the vCPU idles) until
 * the thread on the other side wakes it.
 */
public final class DedupPipeline {
  static final int FRAGMENT = 0;
  static final int REFINE = 1;
  static final int DEDUPLICATE = 2;
  static final int COMPRESS = 3;
  static final int REORDER = 4;
  static final int STAGES = 5;

  /**
   * @param chunkPages 4 KiB pages of one chunk buffer
   * @param stageCycles work of each stage on one chunk, besides its translations, by stage
   * @param queueDepth chunks each queue between two stages holds
   * @param threadsPerStage threads of each middle stage ({@code dedup -t})
   * @param contextSwitchCycles the guest kernel's switch from one thread to another
   * @param sliceCycles how long a thread runs before others waiting for its vCPU get a turn
   */
  public record Params(
      int chunkPages,
      long[] stageCycles,
      int queueDepth,
      int threadsPerStage,
      long contextSwitchCycles,
      long sliceCycles) {
    public Params {
      if (chunkPages < 1 || queueDepth < 1 || threadsPerStage < 1 || sliceCycles < 1) {
        throw new IllegalArgumentException(
            "a pipeline needs chunks of pages, queues, threads and a time slice");
      }
      if (stageCycles.length != STAGES) {
        throw new IllegalArgumentException("the pipeline has " + STAGES + " stages");
      }
      stageCycles = stageCycles.clone();
    }
  }

  private final Params params;
  private final int[] stage; // per thread
  private final IntArrayFIFOQueue freeChunks = new IntArrayFIFOQueue();
  // queues[s] runs from stage s to stage s + 1; items are chunk numbers.
  private final IntArrayFIFOQueue[] queues = new IntArrayFIFOQueue[STAGES - 1];
  // Threads asleep until a queue has an item (waitEmpty[s]: consumers of queues[s]), until it has
  // room (waitFull[s]: producers into queues[s]), or until a chunk buffer is free.
  private final IntArrayFIFOQueue[] waitEmpty = new IntArrayFIFOQueue[STAGES - 1];
  private final IntArrayFIFOQueue[] waitFull = new IntArrayFIFOQueue[STAGES - 1];
  private final IntArrayFIFOQueue waitChunk = new IntArrayFIFOQueue();
  private final boolean[] asleep;
  private final int[] wakes = new int[STAGES];
  private int wakeCount;

  /**
   * @param chunks chunk buffers the process's memory holds
   */
  DedupPipeline(Params params, int chunks) {
    int threads = threadCount(params);
    if (chunks < 1) {
      throw new IllegalArgumentException("the buffer holds no chunk of " + params.chunkPages());
    }
    this.params = params;
    stage = new int[threads];
    stage[0] = FRAGMENT;
    stage[threads - 1] = REORDER;
    for (int t = 1; t < threads - 1; t++) {
      stage[t] = REFINE + (t - 1) % 3;
    }
    for (int s = 0; s < STAGES - 1; s++) {
      queues[s] = new IntArrayFIFOQueue();
      waitEmpty[s] = new IntArrayFIFOQueue();
      waitFull[s] = new IntArrayFIFOQueue();
    }
    for (int c = 0; c < chunks; c++) {
      freeChunks.enqueue(c);
    }
    asleep = new boolean[threads];
  }

  /** Fragment, the middle stages' threads dealt in turn, Reorder last. */
  static int threadCount(Params params) {
    return 3 * params.threadsPerStage() + 2;
  }

  int threads() {
    return stage.length;
  }

  int stage(int thread) {
    return stage[thread];
  }

  int chunkPages() {
    return params.chunkPages();
  }

  long contextSwitchCycles() {
    return params.contextSwitchCycles();
  }

  long stageCycles(int thread) {
    return params.stageCycles()[stage[thread]];
  }

  /**
   * The chunk {@code thread} works on next: a free buffer for Fragment, else the head of its input
   * queue; -1 if there is none, and the thread is then asleep until {@link #isAsleep} turns false.
   */
  int take(int thread) {
    int s = stage[thread];
    if (s == FRAGMENT) {
      if (freeChunks.isEmpty()) {
        sleep(thread, waitChunk);
        return -1;
      }
      return freeChunks.dequeueInt();
    }
    IntArrayFIFOQueue in = queues[s - 1];
    if (in.isEmpty()) {
      sleep(thread, waitEmpty[s - 1]);
      return -1;
    }
    int chunk = in.dequeueInt();
    wakeOne(waitFull[s - 1]); // a producer waiting for room
    return chunk;
  }

  /**
   * Hands {@code chunk} to the next stage; false if its queue is full (the thread then sleeps).
   * Reorder, the last stage, writes it out and always succeeds.
   */
  boolean put(int thread, int chunk) {
    int s = stage[thread];
    if (s == REORDER) {
      return true;
    }
    IntArrayFIFOQueue out = queues[s];
    if (out.size() >= params.queueDepth()) {
      sleep(thread, waitFull[s]);
      return false;
    }
    out.enqueue(chunk);
    wakeOne(waitEmpty[s]); // a consumer waiting for work
    return true;
  }

  /** A chunk buffer was unmapped and may be mapped again. */
  void free(int chunk) {
    freeChunks.enqueue(chunk);
    wakeOne(waitChunk);
  }

  boolean isAsleep(int thread) {
    return asleep[thread];
  }

  /** Threads woken by {@link #take}, {@link #put} and {@link #free} since {@link #clearWakes}. */
  int wakeCount() {
    return wakeCount;
  }

  int woken(int i) {
    return wakes[i];
  }

  /** Forgets the wakes read; the caller has queued those threads to run. */
  void clearWakes() {
    wakeCount = 0;
  }

  private void sleep(int thread, IntArrayFIFOQueue waiters) {
    asleep[thread] = true;
    waiters.enqueue(thread);
  }

  private void wakeOne(IntArrayFIFOQueue waiters) {
    if (!waiters.isEmpty()) {
      int t = waiters.dequeueInt();
      asleep[t] = false;
      wakes[wakeCount++] = t;
    }
  }
}
