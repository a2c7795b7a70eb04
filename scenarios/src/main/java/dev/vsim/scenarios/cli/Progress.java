package dev.vsim.scenarios.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of configurations (of a run, or points of a sweep) that may run at once. On a terminal,
 * one bar per configuration under way, with its simulated time, wall time, events per second and
 * time left; otherwise (CI logs, pipes) a line when each starts and ends, and every few seconds one
 * line per configuration under way with the same figures; nothing with {@code --quiet}.
 * Configurations report from their own threads.
 *
 * <p>The time left assumes a configuration runs to its stop time; most end sooner, when their
 * workload is done, so it is an upper bound.
 */
final class Progress implements AutoCloseable {
  static final long LOG_EVERY_NANOS = 5_000_000_000L;

  /** How far one configuration is. */
  private static final class State {
    final long startNanos;
    final int number;
    double fraction;
    double simulatedSeconds;
    long events;
    ProgressBar bar;

    State(long startNanos, int number) {
      this.startNanos = startNanos;
      this.number = number;
    }
  }

  private final boolean quiet;
  private final boolean terminal;
  private final int total;
  private final String what;
  private final PrintStream out;
  private final Map<String, State> running = new LinkedHashMap<>();
  private final java.util.function.LongSupplier clock;
  private int started;
  private int finished;
  private long lastLog;

  Progress(
      boolean quiet,
      boolean terminal,
      int total,
      String what,
      PrintStream out,
      java.util.function.LongSupplier clock) {
    this.quiet = quiet;
    this.terminal = terminal;
    this.total = total;
    this.what = what;
    this.out = out;
    this.clock = clock;
    this.lastLog = clock.getAsLong();
  }

  /** Progress on standard error, as a bar per configuration when it is a terminal. */
  static Progress create(boolean quiet, int total, String what) {
    return new Progress(quiet, System.console() != null, total, what, System.err, System::nanoTime);
  }

  /** Progress of a run's configurations (as {@code vsim run} and {@code vsim reproduce} show). */
  static Progress create(boolean quiet, java.util.List<dev.vsim.scenarios.run.RunPlan> plans) {
    return create(quiet, plans.size(), "configuration");
  }

  void update(String configuration, double fraction, double simulatedSeconds, long events) {
    if (quiet) {
      return;
    }
    synchronized (this) {
      long now = clock.getAsLong();
      State s = running.get(configuration);
      if (s == null) {
        if (fraction >= 1.0 && !terminal) {
          return; // a configuration that never reported, now done: nothing to tell
        }
        s = new State(now, ++started);
        running.put(configuration, s);
        if (terminal) {
          s.bar =
              new ProgressBarBuilder()
                  .setTaskName(shorten(configuration, 28))
                  .setInitialMax(1000)
                  .setStyle(ProgressBarStyle.ASCII)
                  .setUpdateIntervalMillis(250)
                  .setMaxRenderedLength(120)
                  .continuousUpdate()
                  .build();
        } else {
          out.printf(
              Locale.ROOT, "vsim: [%d/%d] %s %s started%n", s.number, total, what, configuration);
        }
      }
      s.fraction = fraction;
      s.simulatedSeconds = simulatedSeconds;
      s.events = events;
      if (fraction >= 1.0) {
        running.remove(configuration);
        finished++;
        if (s.bar != null) {
          s.bar.stepTo(1000);
          s.bar.setExtraMessage(figures(s, now, false));
          s.bar.close();
        } else {
          out.printf(
              Locale.ROOT,
              "vsim: [%d/%d] %s %s done: %s%n",
              finished,
              total,
              what,
              configuration,
              figures(s, now, false));
        }
        return;
      }
      if (s.bar != null) {
        s.bar.stepTo(Math.round(fraction * 1000));
        s.bar.setExtraMessage(figures(s, now, true));
      } else if (now - lastLog >= LOG_EVERY_NANOS) {
        lastLog = now;
        out.printf(Locale.ROOT, "vsim: %d/%d %ss done%n", finished, total, what);
        for (Map.Entry<String, State> e : running.entrySet()) {
          out.printf(
              Locale.ROOT,
              "vsim:   %s %.0f%%: %s%n",
              e.getKey(),
              e.getValue().fraction * 100,
              figures(e.getValue(), now, true));
        }
      }
    }
  }

  /** Simulated time, wall time, events per second and (while running) the time left. */
  static String figures(
      double fraction, double simulatedSeconds, long events, double wallSeconds, boolean left) {
    StringBuilder sb = new StringBuilder();
    sb.append("sim ").append(duration(simulatedSeconds));
    sb.append(", wall ").append(duration(wallSeconds));
    if (wallSeconds > 0) {
      sb.append(", ").append(rate(events / wallSeconds)).append(" events/s");
    }
    if (left && fraction > 0 && fraction < 1) {
      sb.append(", at most ")
          .append(duration(wallSeconds * (1 - fraction) / fraction))
          .append(" left");
    }
    return sb.toString();
  }

  private static String figures(State s, long now, boolean left) {
    return figures(s.fraction, s.simulatedSeconds, s.events, (now - s.startNanos) / 1e9, left);
  }

  static String duration(double seconds) {
    if (seconds < 1e-3) {
      return String.format(Locale.ROOT, "%.0f us", seconds * 1e6);
    }
    if (seconds < 1) {
      return String.format(Locale.ROOT, "%.0f ms", seconds * 1e3);
    }
    if (seconds < 120) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }

  static String rate(double perSecond) {
    if (perSecond >= 1e6) {
      return String.format(Locale.ROOT, "%.1fM", perSecond / 1e6);
    }
    if (perSecond >= 1e3) {
      return String.format(Locale.ROOT, "%.0fk", perSecond / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", perSecond);
  }

  private static String shorten(String s, int width) {
    return s.length() <= width ? s : s.substring(0, width - 1) + "~";
  }

  @Override
  public synchronized void close() {
    for (State s : running.values()) {
      if (s.bar != null) {
        s.bar.close();
      }
    }
    running.clear();
  }
}
