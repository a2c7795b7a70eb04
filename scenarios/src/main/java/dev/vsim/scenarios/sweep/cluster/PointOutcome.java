package dev.vsim.scenarios.sweep.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;

/**
 * What a member sends back for a point: its result.json bytes, or why the point itself cannot be
 * run (a mistake in it, or a different vsim build on the member). A point's own failure travels as
 * a value, so that any exception the executor service raises means the member was lost and the
 * point must run elsewhere.
 */
public final class PointOutcome implements IdentifiedDataSerializable {
  private byte[] result;
  private String error;

  /** For deserialization. */
  public PointOutcome() {}

  private PointOutcome(byte[] result, String error) {
    this.result = result;
    this.error = error;
  }

  static PointOutcome success(byte[] result) {
    return new PointOutcome(result, null);
  }

  static PointOutcome failure(String error) {
    return new PointOutcome(null, error);
  }

  /** The result.json bytes, or null if the point failed. */
  public byte[] result() {
    return result;
  }

  /** Why the point failed, or null. */
  public String error() {
    return error;
  }

  @Override
  public int getFactoryId() {
    return ClusterSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return ClusterSerialization.POINT_OUTCOME;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeByteArray(result);
    out.writeString(error);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    result = in.readByteArray();
    error = in.readString();
  }
}
