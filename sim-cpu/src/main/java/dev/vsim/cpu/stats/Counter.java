package dev.vsim.cpu.stats;

/** A mutable count that components bump on the hot path without boxing. */
public final class Counter {
  private long value;

  public void increment() {
    value++;
  }

  public void add(long n) {
    value += n;
  }

  public long value() {
    return value;
  }

  public void reset() {
    value = 0;
  }
}
