package dev.vsim.scenarios.sweep.cluster;

/** No member of a cluster answered: the sweep cannot start. */
public final class ClusterUnreachableException extends Exception {
  private static final long serialVersionUID = 1L;

  ClusterUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
