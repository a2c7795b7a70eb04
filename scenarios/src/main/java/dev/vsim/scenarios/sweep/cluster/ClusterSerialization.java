package dev.vsim.scenarios.sweep.cluster;

import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * Hazelcast's factory for the objects a sweep sends to its members and back: identified
 * data-serializable, so no Java serialization crosses the wire.
 */
public final class ClusterSerialization implements DataSerializableFactory {
  /** vsim's factory id: any number unique in the cluster's configuration. */
  public static final int FACTORY_ID = 0x7653;

  static final int RUN_POINT_TASK = 1;
  static final int POINT_OUTCOME = 2;

  @Override
  public IdentifiedDataSerializable create(int classId) {
    return switch (classId) {
      case RUN_POINT_TASK -> new RunPointTask();
      case POINT_OUTCOME -> new PointOutcome();
      default -> null;
    };
  }
}
