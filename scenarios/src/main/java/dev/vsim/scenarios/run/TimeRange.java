package dev.vsim.scenarios.run;

import dev.vsim.cpu.event.EventKernel;
import dev.vsim.cpu.units.TimeSpan;
import dev.vsim.scenarios.json.Pointers;
import dev.vsim.scenarios.json.ScenarioException;
import dev.vsim.scenarios.json.SourceMap;
import dev.vsim.scenarios.model.Scenario;
import dev.vsim.scenarios.model.VmSpec;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;

/**
 * The simulator's time range ({@link EventKernel#MAX_TIME} cycles) at a host's clock: every time of
 * a scenario, and the guest work its workloads declare, must fit in it, or the scenario is refused
 * at load with what the range is.
 */
public final class TimeRange {
  private static final double SECONDS_PER_YEAR = 365.25 * 24 * 3600;

  private final long hz;
  private final String host;

  TimeRange(long hz, String host) {
    this.hz = hz;
    this.host = host;
  }

  /** The clock, e.g. {@code 3 GHz}. */
  String clock() {
    return BigDecimal.valueOf(hz, 9).stripTrailingZeros().toPlainString() + " GHz";
  }

  /**
   * What the range is: {@code 4611686018427387903 cycles, 48.7 years at host "x"'s 3 GHz clock}.
   */
  public String describe() {
    return EventKernel.MAX_TIME
        + " cycles, "
        + String.format(Locale.ROOT, "%.3g", EventKernel.MAX_TIME / (double) hz / SECONDS_PER_YEAR)
        + " years at host \""
        + host
        + "\"'s "
        + clock()
        + " clock";
  }

  /** Checks every time span of the scenario, the stop time, and each workload's declared work. */
  void check(Scenario s, SourceMap sources) throws ScenarioException {
    walk(s, "", sources);
    atLeastOneCycle("stop.after", s.stop().after(), "/stop/after", sources);
    if (s.hypervisor().dirtyLogging() != null) {
      atLeastOneCycle(
          "harvestEvery",
          s.hypervisor().dirtyLogging().harvestEvery(),
          "/hypervisor/dirtyLogging/harvestEvery",
          sources);
    }
    for (int i = 0; i < s.vms().size(); i++) {
      VmSpec vm = s.vms().get(i);
      try {
        vm.workload().checkAtClock(hz);
      } catch (IllegalArgumentException e) {
        String field = e.getMessage().split("[ (:]", 2)[0];
        String at = "/vms/" + i + "/workload/" + field;
        throw ScenarioException.at(sources.locate(at), at, e.getMessage());
      }
      try {
        vm.workload().checkWork(EventKernel.MAX_TIME);
      } catch (IllegalArgumentException e) {
        String field = e.getMessage().split("[ (:]", 2)[0];
        String at = "/vms/" + i + "/workload/" + field;
        throw ScenarioException.at(
            sources.locate(at), at, e.getMessage() + " (" + describe() + ")");
      }
    }
  }

  private void atLeastOneCycle(String what, TimeSpan t, String at, SourceMap sources)
      throws ScenarioException {
    if (t.toCycles(hz) == 0) {
      throw ScenarioException.at(
          sources.locate(at),
          at,
          what
              + " of "
              + t
              + " is less than one cycle of host \""
              + host
              + "\"'s "
              + clock()
              + " clock; give at least \"1cycle\"");
    }
  }

  private void walk(Object value, String pointer, SourceMap sources) throws ScenarioException {
    if (value instanceof TimeSpan t) {
      long cycles;
      try {
        cycles = t.toCycles(hz);
      } catch (ArithmeticException e) {
        cycles = Long.MAX_VALUE;
      }
      if (cycles > EventKernel.MAX_TIME) {
        throw ScenarioException.at(
            sources.locate(pointer),
            pointer,
            "\""
                + t
                + "\" passes the simulator's time range of "
                + describe()
                + "; use a shorter time");
      }
    } else if (value instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        walk(l.get(i), Pointers.child(pointer, i), sources);
      }
    } else if (value != null && value.getClass().isRecord()) {
      for (RecordComponent c : value.getClass().getRecordComponents()) {
        Object v;
        try {
          v = c.getAccessor().invoke(value);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
        walk(v, Pointers.child(pointer, c.getName()), sources);
      }
    }
  }
}
