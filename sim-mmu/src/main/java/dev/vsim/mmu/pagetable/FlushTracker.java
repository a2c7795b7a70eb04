package dev.vsim.mmu.pagetable;

/**
 * TLB-flush bookkeeping on the change hook: counts the changes since the last flush that a TLB or
 * paging-structure cache could still hold the old value of. A change can leave a stale translation
 * when the old entry was present and the new one drops a bit of it or points elsewhere (unmapped,
 * write-protected, dirty or accessed bit cleared, split or collapsed); a change that only adds
 * permission or fills a non-present slot cannot, as KVM's TDP MMU reasons too. An unlinked table
 * counts once, by the change of the entry that pointed to it.
 */
public final class FlushTracker implements EntryListener {
  private final EntryFormat format;
  private long pending;
  private long total;

  public FlushTracker(EntryFormat format) {
    this.format = format;
  }

  /** Whether changing {@code oldEntry} to {@code newEntry} requires a flush of what cached it. */
  public static boolean needsFlush(EntryFormat format, long oldEntry, long newEntry) {
    return format.isPresent(oldEntry)
        && ((oldEntry & ~newEntry) != 0
            || EntryFormat.address(oldEntry) != EntryFormat.address(newEntry));
  }

  @Override
  public void entryChanged(long address, int level, long oldEntry, long newEntry) {
    if (needsFlush(format, oldEntry, newEntry)) {
      pending++;
      total++;
    }
  }

  /** New entries of a table not yet linked: nothing can have cached them. */
  @Override
  public void tableFilled(long address, int level, long[] entries) {}

  /** The change of the entry that pointed to the table is pending already. */
  @Override
  public void tableUnlinked(long address, int level, long[] entries) {}

  /** Whether a change since the last {@link #flushed()} requires a flush. */
  public boolean isFlushPending() {
    return pending != 0;
  }

  /** Changes since the last {@link #flushed()} that require a flush. */
  public long pending() {
    return pending;
  }

  /** Changes that required a flush, over the table's life. */
  public long total() {
    return total;
  }

  /** The caches were flushed: nothing is pending. */
  public void flushed() {
    pending = 0;
  }
}
