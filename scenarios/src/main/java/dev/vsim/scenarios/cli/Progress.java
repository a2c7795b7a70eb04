package dev.vsim.scenarios.cli;

import dev.vsim.scenarios.run.RunPlan;
import java.util.List;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a run: a bar per configuration on a terminal, a log line every few seconds otherwise
 * (CI logs, pipes), nothing with {@code --quiet}.
 */
final class Progress implements AutoCloseable {
  private static final long LOG_EVERY_NANOS = 5_000_000_000L;

  private final boolean quiet;
  private final boolean terminal;
  private final int total;
  private ProgressBar bar;
  private String current;
  private int index;
  private long lastLog = System.nanoTime();

  private Progress(boolean quiet, int total) {
    this.quiet = quiet;
    this.terminal = System.console() != null;
    this.total = total;
  }

  static Progress create(boolean quiet, List<RunPlan> plans) {
    return new Progress(quiet, plans.size());
  }

  void update(String configuration, double fraction) {
    if (quiet) {
      return;
    }
    if (!configuration.equals(current)) {
      closeBar();
      current = configuration;
      index++;
      if (terminal) {
        bar =
            new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "[%d/%d] %s", index, total, configuration))
                .setInitialMax(1000)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .build();
      } else {
        System.err.printf(Locale.ROOT, "vsim: [%d/%d] %s%n", index, total, configuration);
      }
    }
    if (bar != null) {
      bar.stepTo(Math.round(fraction * 1000));
    } else if (System.nanoTime() - lastLog > LOG_EVERY_NANOS) {
      lastLog = System.nanoTime();
      System.err.printf(
          Locale.ROOT,
          "vsim: %s %.0f%% of the stop time simulated%n",
          configuration,
          fraction * 100);
    }
  }

  private void closeBar() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }

  @Override
  public void close() {
    closeBar();
  }
}
