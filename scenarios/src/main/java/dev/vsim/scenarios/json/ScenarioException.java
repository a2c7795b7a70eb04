package dev.vsim.scenarios.json;

/**
 * A mistake in a scenario or profile that the user must fix, with where it is: {@code
 * file:line:col: problem (at /json/pointer)}. Values that came from the command line name their
 * {@code --set} argument instead of a file position.
 */
public final class ScenarioException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final int column;
  private final String pointer;
  private final String problem;

  public ScenarioException(String file, int line, int column, String pointer, String problem) {
    super(format(file, line, column, pointer, problem));
    this.file = file;
    this.line = line;
    this.column = column;
    this.pointer = pointer;
    this.problem = problem;
  }

  /** A problem at an origin that is not a file position, e.g. {@code --set /a=b}. */
  public static ScenarioException at(Origin origin, String pointer, String problem) {
    return new ScenarioException(origin.file(), origin.line(), origin.column(), pointer, problem);
  }

  private static String format(String file, int line, int column, String pointer, String problem) {
    StringBuilder sb = new StringBuilder(oneLine(file));
    if (line > 0) {
      sb.append(':').append(line).append(':').append(column);
    }
    sb.append(": ").append(oneLine(problem));
    if (pointer != null) {
      sb.append(" (at ").append(pointer.isEmpty() ? "/" : oneLine(pointer)).append(')');
    }
    return sb.toString();
  }

  /**
   * The text with its control characters written as escapes ({@code \n}, {@code \t}, {@code
   * \u0001}): a key or value quoted from the file keeps the message on one line.
   */
  static String oneLine(String text) {
    StringBuilder sb = null;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (ch >= 0x20 && ch != 0x7f) {
        if (sb != null) {
          sb.append(ch);
        }
        continue;
      }
      if (sb == null) {
        sb = new StringBuilder(text.substring(0, i));
      }
      switch (ch) {
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        default -> sb.append(String.format("\\u%04x", (int) ch));
      }
    }
    return sb == null ? text : sb.toString();
  }

  public String file() {
    return file;
  }

  /** 1-based line, or 0 when the problem has no file position. */
  public int line() {
    return line;
  }

  public int column() {
    return column;
  }

  /** JSON pointer of the offending value, or null when the document could not be parsed. */
  public String pointer() {
    return pointer;
  }

  public String problem() {
    return problem;
  }
}
