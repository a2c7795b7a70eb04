package dev.vsim.cpu.random;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Deterministic random streams, one per component: the same seed and component name always give the
 * same stream, whatever else the run creates and in whatever order.
 */
public final class RandomStreams {
  private final long seed;

  public RandomStreams(long seed) {
    this.seed = seed;
  }

  /** The stream of the component with this name (e.g. {@code "vm0.vcpu3.workload"}). */
  public SplittableRandom stream(String component) {
    return new SplittableRandom(mix(seed ^ fnv1a(component)));
  }

  /** 64-bit FNV-1a of the name's UTF-8 bytes: stable across JVMs, unlike String.hashCode. */
  static long fnv1a(String s) {
    long h = 0xcbf2_9ce4_8422_2325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100_0000_01b3L;
    }
    return h;
  }

  /** SplitMix64's finalizer, so nearby seeds give unrelated streams. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58_476d_1ce4_e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d0_49bb_1331_11ebL;
    return z ^ (z >>> 31);
  }
}
