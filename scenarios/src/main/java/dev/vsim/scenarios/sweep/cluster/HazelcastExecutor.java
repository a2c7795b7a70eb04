package dev.vsim.scenarios.sweep.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import dev.vsim.scenarios.sweep.PointExecutor;
import dev.vsim.scenarios.sweep.SweepPoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Runs a sweep's points on Hazelcast members through the executor service {@link
 * ClusterConfigs#EXECUTOR}: each point is a {@link RunPointTask} simulated in a member's process,
 * and its result.json bytes come back to this one.
 *
 * <p>The sweep hands out the points itself, in order, to every member that has a free slot (a
 * member runs as many at once as its {@code vsim.jobs} attribute says), so a fast member takes more
 * points and one that joins mid-sweep gets work at once. A member that dies or is cut off loses no
 * point: every point in flight on it fails in the executor service (the member left, or its
 * connection closed), goes back to the head of the queue and runs on another member; the member is
 * given nothing for a while (1 s, doubling on each loss). A point's own failure (a mistake in it, a
 * member of another vsim build) comes back as a value and ends the sweep. Points are simulated
 * deterministically, so the results are the same whichever members ran which points.
 */
public final class HazelcastExecutor implements PointExecutor {
  /** Tries of one point before the sweep gives up on it (each on a member that was then lost). */
  static final int MAX_ATTEMPTS = 8;

  private static final long SUSPECT_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final HazelcastInstance hz;
  private final String where;
  private final long lostClusterNanos;

  HazelcastExecutor(HazelcastInstance hz, String where, long lostClusterMillis) {
    this.hz = hz;
    this.where = where;
    this.lostClusterNanos = TimeUnit.MILLISECONDS.toNanos(lostClusterMillis);
  }

  /** A cluster of one in this process, running {@code jobs} points at once: needs nothing. */
  public static HazelcastExecutor embedded(int jobs) {
    HazelcastInstance member = Hazelcast.newHazelcastInstance(ClusterConfigs.embedded(jobs));
    return new HazelcastExecutor(member, "the embedded member", 5000);
  }

  /**
   * Joins the cluster of a cluster file as a client (it runs no point itself) and spreads the
   * points over its members.
   *
   * @throws ClusterUnreachableException if no member answers within the file's {@code
   *     connectTimeout}
   */
  public static HazelcastExecutor connect(ClusterFile file) throws ClusterUnreachableException {
    HazelcastInstance client;
    try {
      client = HazelcastClient.newHazelcastClient(ClusterConfigs.client(file));
    } catch (RuntimeException e) {
      throw new ClusterUnreachableException(
          "no member of cluster \""
              + file.cluster()
              + "\" answered at "
              + String.join(", ", file.members())
              + " within "
              + file.connectTimeout()
              + ": start workers there with vsim worker --cluster FILE, or fix the file's"
              + " \"members\" and \"cluster\"",
          e);
    }
    return new HazelcastExecutor(
        client, "cluster \"" + file.cluster() + "\"", Math.max(5000, file.connectTimeoutMillis()));
  }

  /** The Hazelcast instance the points are sent from (a member or a client). */
  public HazelcastInstance instance() {
    return hz;
  }

  /** A point's end on a member: its outcome, or the executor service's failure. */
  private record Completion(int index, UUID member, PointOutcome outcome, Throwable lost) {}

  @Override
  public void runAll(List<SweepPoint> points, BiConsumer<SweepPoint, byte[]> done)
      throws Exception {
    int n = points.size();
    if (n == 0) {
      return;
    }
    String version = RunPointTask.vsimVersion();
    IExecutorService executor = hz.getExecutorService(ClusterConfigs.EXECUTOR);
    ArrayDeque<Integer> pending = new ArrayDeque<>(n);
    for (int i = 0; i < n; i++) {
      pending.add(i);
    }
    int[] attempts = new int[n];
    Map<UUID, Integer> inFlight = new HashMap<>();
    Map<UUID, Long> suspectUntil = new HashMap<>();
    Map<UUID, Long> suspectFor = new HashMap<>();
    LinkedBlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
    int finished = 0;
    int running = 0;
    long idleSince = -1;
    while (finished < n) {
      long now = System.nanoTime();
      for (Member m : workers()) {
        UUID id = m.getUuid();
        Long until = suspectUntil.get(id);
        if (until != null && now < until) {
          continue;
        }
        int busy = inFlight.getOrDefault(id, 0);
        int slots = slots(m);
        while (busy < slots && !pending.isEmpty()) {
          int i = pending.pollFirst();
          busy++;
          running++;
          submit(executor, new RunPointTask(points.get(i), version), i, m, completions);
        }
        inFlight.put(id, busy);
      }
      if (running == 0) {
        if (!hz.getLifecycleService().isRunning()) {
          throw lost(n - finished, n, "the connection to it was closed");
        }
        if (idleSince < 0) {
          idleSince = now;
        } else if (now - idleSince > lostClusterNanos) {
          throw lost(n - finished, n, "no member has been there to run a point for a while");
        }
      } else {
        idleSince = -1;
      }
      Completion c = completions.poll(100, TimeUnit.MILLISECONDS);
      if (c == null) {
        continue;
      }
      running--;
      inFlight.merge(c.member(), -1, Integer::sum);
      SweepPoint p = points.get(c.index());
      if (c.lost() == null) {
        if (c.outcome().error() != null) {
          throw new IllegalStateException("sweep point " + p.key() + ": " + c.outcome().error());
        }
        done.accept(p, c.outcome().result());
        finished++;
        continue;
      }
      // The member was lost with the point in flight: the point runs elsewhere.
      if (++attempts[c.index()] >= MAX_ATTEMPTS) {
        throw new IllegalStateException(
            "sweep point "
                + p.key()
                + " was lost with "
                + MAX_ATTEMPTS
                + " members of "
                + where
                + " in turn; the last said: "
                + c.lost());
      }
      pending.addFirst(c.index());
      long backoff = suspectFor.merge(c.member(), SUSPECT_NANOS, (a, b) -> Math.min(a * 2, 60 * b));
      suspectUntil.put(c.member(), System.nanoTime() + backoff);
    }
  }

  private IllegalStateException lost(int unfinished, int total, String why) {
    return new IllegalStateException(
        "lost every member of "
            + where
            + " ("
            + why
            + "); "
            + unfinished
            + " of "
            + total
            + " points are unfinished: start workers and run the sweep again");
  }

  /** The members that run points: not lite members. */
  private List<Member> workers() {
    List<Member> out = new ArrayList<>();
    for (Member m : hz.getCluster().getMembers()) {
      if (!m.isLiteMember()) {
        out.add(m);
      }
    }
    return out;
  }

  private static int slots(Member m) {
    String jobs = m.getAttribute(ClusterConfigs.JOBS_ATTRIBUTE);
    try {
      return jobs == null ? 1 : Math.max(1, Integer.parseInt(jobs));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private static void submit(
      IExecutorService executor,
      RunPointTask task,
      int index,
      Member m,
      LinkedBlockingQueue<Completion> completions) {
    UUID id = m.getUuid();
    try {
      executor.submitToMember(
          task,
          m,
          new ExecutionCallback<PointOutcome>() {
            @Override
            public void onResponse(PointOutcome response) {
              completions.add(new Completion(index, id, response, null));
            }

            @Override
            public void onFailure(Throwable t) {
              completions.add(new Completion(index, id, null, t));
            }
          });
    } catch (RuntimeException e) {
      completions.add(new Completion(index, id, null, e));
    }
  }

  /** Leaves the cluster: shuts the embedded member or the client down. */
  @Override
  public void close() {
    hz.shutdown();
  }
}
