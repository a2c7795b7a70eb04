package dev.vsim.scenarios.sweep.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.vsim.scenarios.sweep.PointRunner;
import dev.vsim.scenarios.sweep.SweepPoint;
import dev.vsim.scenarios.sweep.Version;
import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * The task a sweep sends to a member: simulate one point in the member's process and send back its
 * result.json bytes. The point travels as JSON, so whatever a {@link SweepPoint} holds arrives
 * whole; the sweep's vsim version travels beside it, and a member of another build refuses the
 * point rather than give results that a cache keyed by version would mix up.
 */
public final class RunPointTask
    implements Callable<PointOutcome>, IdentifiedDataSerializable, HazelcastInstanceAware {
  private static final ObjectMapper JSON = new ObjectMapper();

  private String key;
  private String pointJson;
  private String vsimVersion;
  private transient HazelcastInstance member;

  /** For deserialization. */
  public RunPointTask() {}

  RunPointTask(SweepPoint point, String vsimVersion) {
    this.key = point.key();
    try {
      this.pointJson = JSON.writeValueAsString(point);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot send sweep point " + point.key(), e);
    }
    this.vsimVersion = vsimVersion;
  }

  /**
   * The version of vsim this process runs, as the sweep's cache keys have it (with the jar's hash).
   */
  static String vsimVersion() {
    return Version.get();
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
    this.member = hazelcastInstance;
  }

  @Override
  public PointOutcome call() {
    PointListener listener =
        member == null
            ? null
            : (PointListener) member.getUserContext().get(PointListener.USER_CONTEXT_KEY);
    if (listener != null) {
      listener.started(key);
    }
    long start = System.nanoTime();
    PointOutcome outcome;
    if (!vsimVersion().equals(vsimVersion)) {
      outcome =
          PointOutcome.failure(
              "member runs vsim "
                  + vsimVersion()
                  + " but the sweep runs vsim "
                  + vsimVersion
                  + ": run the same build on every worker");
    } else {
      outcome = run();
    }
    if (listener != null) {
      listener.finished(key, (System.nanoTime() - start) / 1e9, outcome.error());
    }
    return outcome;
  }

  private PointOutcome run() {
    try {
      SweepPoint point = JSON.readValue(pointJson, SweepPoint.class);
      return PointOutcome.success(PointRunner.run(point));
    } catch (OutOfMemoryError e) {
      return PointOutcome.failure(
          "the member ran out of Java heap; start it with a larger one, e.g."
              + " VSIM_JAVA_OPTS=\"-Xmx16g\"");
    } catch (IllegalStateException e) {
      return PointOutcome.failure(e.getMessage() == null ? e.toString() : e.getMessage());
    } catch (Exception | LinkageError | StackOverflowError e) {
      return PointOutcome.failure(e.toString());
    }
  }

  @Override
  public int getFactoryId() {
    return ClusterSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return ClusterSerialization.RUN_POINT_TASK;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(key);
    out.writeString(pointJson);
    out.writeString(vsimVersion);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    key = in.readString();
    pointJson = in.readString();
    vsimVersion = in.readString();
  }
}
