package dev.vsim.scenarios.cli;

import dev.vsim.scenarios.run.RunPlan;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a run whose configurations may run at once: on a terminal one bar for the whole run
 * with the configurations under way beside it, otherwise (CI logs, pipes) a line when each starts
 * and one every few seconds with how far each is; nothing with {@code --quiet}. Configurations
 * report from their own threads.
 */
final class Progress implements AutoCloseable {
  private static final long LOG_EVERY_NANOS = 5_000_000_000L;

  private final boolean quiet;
  private final boolean terminal;
  private final int total;
  private final Map<String, Double> running = new LinkedHashMap<>();
  private int started;
  private int finished;
  private ProgressBar bar;
  private long lastLog = System.nanoTime();

  private Progress(boolean quiet, int total) {
    this.quiet = quiet;
    this.terminal = System.console() != null;
    this.total = total;
  }

  static Progress create(boolean quiet, java.util.List<RunPlan> plans) {
    return new Progress(quiet, plans.size());
  }

  synchronized void update(String configuration, double fraction) {
    if (quiet) {
      return;
    }
    if (!running.containsKey(configuration)) {
      started++;
      if (!terminal) {
        System.err.printf(Locale.ROOT, "vsim: [%d/%d] %s%n", started, total, configuration);
      }
    }
    if (fraction >= 1.0) {
      running.remove(configuration);
      finished++;
    } else {
      running.put(configuration, fraction);
    }
    if (terminal) {
      if (bar == null) {
        bar =
            new ProgressBarBuilder()
                .setTaskName("vsim")
                .setInitialMax(1000L * total)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .build();
      }
      double done = finished;
      for (double f : running.values()) {
        done += f;
      }
      bar.stepTo(Math.round(done * 1000));
      bar.setExtraMessage(finished + "/" + total + " done; " + under());
    } else if (System.nanoTime() - lastLog > LOG_EVERY_NANOS && !running.isEmpty()) {
      lastLog = System.nanoTime();
      System.err.printf(Locale.ROOT, "vsim: %s of the stop time simulated%n", under());
    }
  }

  /** The configurations under way, with how far each is. */
  private String under() {
    StringJoiner j = new StringJoiner(", ");
    running.forEach((name, f) -> j.add(String.format(Locale.ROOT, "%s %.0f%%", name, f * 100)));
    return j.toString();
  }

  @Override
  public synchronized void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
