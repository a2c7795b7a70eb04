package dev.vsim.scenarios.sweep.cluster;

/**
 * What a member does with the points it is given, for its own log ({@code vsim worker} prints a
 * line for each). Put in the member's user context under {@link #USER_CONTEXT_KEY}; called on the
 * member's executor threads.
 */
public interface PointListener {
  /** The member's user-context key of its listener. */
  String USER_CONTEXT_KEY = "vsim.pointListener";

  /** The point is about to be simulated on this member. */
  void started(String key);

  /**
   * The point ended after {@code seconds} of wall time; {@code error} is null on success, else why
   * it could not be run.
   */
  void finished(String key, double seconds, String error);
}
