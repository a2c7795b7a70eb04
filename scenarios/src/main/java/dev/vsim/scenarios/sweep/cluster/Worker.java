package dev.vsim.scenarios.sweep.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/** A member of a sweep cluster that serves points until it is shut down: {@code vsim worker}. */
public final class Worker implements AutoCloseable {
  private final HazelcastInstance member;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private Worker(HazelcastInstance member) {
    this.member = member;
  }

  /**
   * Starts a member of the file's cluster, listening on the file's port, that runs up to {@code
   * jobs} points at once and logs each point and each change of membership to {@code log}.
   */
  public static Worker start(ClusterFile file, int jobs, PrintStream log) {
    return start(file, jobs, log, logging(log));
  }

  /** As {@link #start(ClusterFile, int, PrintStream)}, with a listener of one's own for points. */
  public static Worker start(ClusterFile file, int jobs, PrintStream log, PointListener points) {
    Config config = ClusterConfigs.worker(file, jobs);
    config.getUserContext().put(PointListener.USER_CONTEXT_KEY, points);
    config.addListenerConfig(
        new com.hazelcast.config.ListenerConfig(
            new MembershipListener() {
              @Override
              public void memberAdded(MembershipEvent e) {
                if (e.getMember().localMember()) {
                  return; // said by vsim worker once the member is up
                }
                log.println(
                    "vsim worker: "
                        + e.getMember().getAddress()
                        + " joined; "
                        + members(e.getMembers().size())
                        + " in all");
              }

              @Override
              public void memberRemoved(MembershipEvent e) {
                log.println(
                    "vsim worker: "
                        + e.getMember().getAddress()
                        + " left; "
                        + members(e.getMembers().size())
                        + " in all");
              }
            }));
    Worker w = new Worker(Hazelcast.newHazelcastInstance(config));
    w.member
        .getLifecycleService()
        .addLifecycleListener(
            e -> {
              if (e.getState() == LifecycleEvent.LifecycleState.SHUTDOWN) {
                w.stopped.countDown();
              }
            });
    if (!w.member.getLifecycleService().isRunning()) {
      w.stopped.countDown();
    }
    return w;
  }

  /** "1 member", "3 members". */
  public static String members(int n) {
    return n == 1 ? "1 member" : n + " members";
  }

  /** A listener that logs a line when a point starts and when it ends. */
  public static PointListener logging(PrintStream log) {
    return new PointListener() {
      @Override
      public void started(String key) {
        log.println("vsim worker: point " + key + " started");
      }

      @Override
      public void finished(String key, double seconds, String error) {
        log.println(
            error == null
                ? String.format(Locale.ROOT, "vsim worker: point %s done in %.1f s", key, seconds)
                : "vsim worker: point " + key + " failed: " + error);
      }
    };
  }

  /** This member, as the others see it. */
  public Member self() {
    return member.getCluster().getLocalMember();
  }

  /** How many members the cluster has now, this one included. */
  public int clusterSize() {
    return member.getCluster().getMembers().size();
  }

  /** The Hazelcast member, for tests that need to kill it. */
  public HazelcastInstance instance() {
    return member;
  }

  /** Blocks until the member is shut down (by {@link #close}, a signal or a failure). */
  public void awaitShutdown() throws InterruptedException {
    stopped.await();
  }

  /** Leaves the cluster gracefully: points in flight here are run again elsewhere. */
  @Override
  public void close() {
    member.shutdown();
  }
}
