package dev.vsim.scenarios.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Parses strict JSON (no comments, no trailing commas, no single quotes, no duplicate keys, no
 * nulls, nothing after the root) into a tree while recording where each value was written.
 */
final class DocumentParser {
  private static final int MAX_DEPTH = 64;

  /** The largest scenario or profile accepted, in characters (and bytes, when read from a file). */
  static final int MAX_CHARS = 1 << 20;

  private static final JsonFactory FACTORY =
      new JsonFactoryBuilder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_DEPTH)
                  .maxStringLength(1 << 20)
                  .build())
          .build();

  private final String file;
  private final SourceMap sources;
  private final JsonNodeFactory nodes = JsonNodeFactory.withExactBigDecimals(true);

  private DocumentParser(String file) {
    this.file = file;
    this.sources = new SourceMap(file);
  }

  static SourceDocument parse(String file, String text) throws ScenarioException {
    return new DocumentParser(file).document(text);
  }

  /** Parses a single JSON value (for {@code --set}); returns null if the text is not JSON. */
  static JsonNode parseValueOrNull(String text) {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return null;
      }
      DocumentParser d = new DocumentParser("--set");
      JsonNode v = d.value(p, "");
      return p.nextToken() == null ? v : null;
    } catch (IOException | ScenarioException e) {
      return null;
    }
  }

  private SourceDocument document(String text) throws ScenarioException {
    if (text.length() > MAX_CHARS) {
      throw new ScenarioException(
          file, 0, 0, null, "the file is larger than 1MiB; a scenario is far smaller: is it one?");
    }
    if (text.startsWith("\uFEFF")) {
      throw new ScenarioException(
          file,
          1,
          1,
          null,
          "the file starts with a byte order mark (U+FEFF); save it as UTF-8 without one");
    }
    JsonParser p;
    try {
      p = FACTORY.createParser(text);
    } catch (IOException e) {
      throw new ScenarioException(file, 0, 0, null, "cannot read: " + e.getMessage());
    }
    try (p) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new ScenarioException(file, 1, 1, null, "the file is empty; expected a JSON object");
      }
      if (t != JsonToken.START_OBJECT) {
        throw error(p.currentTokenLocation(), "", "the document must be a JSON object { ... }");
      }
      JsonNode root = value(p, "");
      JsonToken after;
      try {
        after = p.nextToken();
      } catch (JsonProcessingException e) {
        after = JsonToken.NOT_AVAILABLE;
      }
      if (after != null) {
        throw error(
            p.currentTokenLocation(),
            null,
            "unexpected text after the end of the document; remove it");
      }
      return new SourceDocument(file, (ObjectNode) root, sources);
    } catch (StreamConstraintsException e) {
      // Limits come without a location: the token that passed the limit is where it is.
      JsonLocation loc = p.currentTokenLocation();
      String msg = e.getOriginalMessage();
      if (msg.contains("nesting depth")) {
        // The current token is the bracket that went one level too deep, or, for an object, the
        // key whose value it is: then the brace follows the key.
        int[] at = {loc.getLineNr(), loc.getColumnNr()};
        if (p.currentToken() == JsonToken.FIELD_NAME) {
          at = valueAfterKey(text, at[0], at[1]);
        }
        throw new ScenarioException(
            file,
            at[0],
            at[1],
            null,
            "objects and arrays nest more than "
                + MAX_DEPTH
                + " deep here; a scenario nests a few levels: look for brackets left open");
      }
      if (msg.contains("String value length")) {
        throw error(loc, null, "a string longer than 1MiB; no value of a scenario is that long");
      }
      throw error(loc, null, "a number with too many digits; write it in fewer than 1000");
    } catch (JsonProcessingException e) {
      // Limits (nesting depth, number length) come without a location: use the parser's.
      JsonLocation loc = e.getLocation() != null ? e.getLocation() : p.currentLocation();
      String msg = e.getOriginalMessage();
      if (msg.startsWith("Non-standard token '") && e.getLocation() != null) {
        // Where the token starts, not where reading stopped after it.
        int length = msg.indexOf('\'', 20) - 20;
        throw new ScenarioException(
            file, loc.getLineNr(), Math.max(1, loc.getColumnNr() - length), null, plain(msg));
      }
      int nl = msg.indexOf('\n');
      String first = nl > 0 ? msg.substring(0, nl) : msg;
      java.util.regex.Matcher control = CONTROL.matcher(first);
      if (control.find() && e.getLocation() != null) {
        throw controlCharacter(
            loc, Integer.parseInt(control.group(1)), first.startsWith("Illegal unquoted"));
      }
      java.util.regex.Matcher word = UNRECOGNIZED.matcher(first);
      if (word.find() && e.getLocation() != null) {
        // Where the word starts, not where reading stopped after it.
        String token = word.group(1);
        throw new ScenarioException(
            file,
            loc.getLineNr(),
            Math.max(1, loc.getColumnNr() - token.length()),
            null,
            "'"
                + token
                + "' is not a JSON value; write a string in double quotes, a number, an object,"
                + " an array, true or false");
      }
      if ((first.contains("in numeric value") || first.contains("Leading zeroes"))
          && e.getLocation() != null) {
        // The parser stops inside or after the number: point at where the number starts.
        throw new ScenarioException(
            file,
            loc.getLineNr(),
            numberStart(text, loc.getLineNr(), loc.getColumnNr()),
            null,
            plain(first));
      }
      throw error(loc, null, plain(first));
    } catch (IOException e) {
      throw new ScenarioException(file, 0, 0, null, "cannot read: " + e.getMessage());
    }
  }

  private JsonNode value(JsonParser p, String pointer) throws IOException, ScenarioException {
    JsonLocation at = p.currentTokenLocation();
    sources.value(pointer, at.getLineNr(), at.getColumnNr());
    switch (p.currentToken()) {
      case START_OBJECT:
        {
          ObjectNode o = nodes.objectNode();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            String child = Pointers.child(pointer, name);
            JsonLocation nameAt = p.currentTokenLocation();
            if (o.has(name)) {
              Origin first = sources.locateName(child);
              throw error(
                  nameAt,
                  child,
                  "duplicate key \""
                      + name
                      + "\" (first written at line "
                      + first.line()
                      + ", column "
                      + first.column()
                      + ")");
            }
            p.nextToken();
            JsonNode v = value(p, child);
            sources.name(child, nameAt.getLineNr(), nameAt.getColumnNr());
            o.set(name, v);
          }
          return o;
        }
      case START_ARRAY:
        {
          ArrayNode a = nodes.arrayNode();
          int i = 0;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            a.add(value(p, Pointers.child(pointer, i++)));
          }
          return a;
        }
      case VALUE_STRING:
        return nodes.textNode(p.getText());
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        try {
          if (p.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
            return nodes.numberNode(p.getDecimalValue());
          }
          return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              ? nodes.numberNode(p.getBigIntegerValue())
              : nodes.numberNode(p.getLongValue());
        } catch (NumberFormatException e) {
          throw error(at, pointer, "number " + p.getText() + " is out of range");
        }
      case VALUE_TRUE:
        return nodes.booleanNode(true);
      case VALUE_FALSE:
        return nodes.booleanNode(false);
      case VALUE_NULL:
        throw error(at, pointer, "null is not allowed; leave the key out to get its default");
      default:
        throw error(at, pointer, "unexpected " + p.currentToken());
    }
  }

  private static final java.util.regex.Pattern CONTROL =
      java.util.regex.Pattern.compile(
          "^Illegal (?:unquoted )?character \\(\\(CTRL-CHAR, code (\\d+)\\)\\)");
  private static final java.util.regex.Pattern UNRECOGNIZED =
      java.util.regex.Pattern.compile("^Unrecognized token '([^']*)'");

  /** A control character in a string, or between tokens, in the scenario's terms. */
  private ScenarioException controlCharacter(JsonLocation loc, int code, boolean inString) {
    String name =
        switch (code) {
          case 9 -> "a tab (U+0009)";
          case 10 -> "a line break (U+000A)";
          case 13 -> "a carriage return (U+000D)";
          default -> String.format(java.util.Locale.ROOT, "control character U+%04X", code);
        };
    if (inString) {
      // The parser reports the character itself.
      return error(
          loc,
          null,
          name
              + " inside a string; close the string on its line, or write the character as an"
              + " escape such as \\n, \\t or \\u0009");
    }
    // Between tokens the parser reports the column after the character.
    return new ScenarioException(
        file,
        loc.getLineNr(),
        Math.max(1, loc.getColumnNr() - 1),
        null,
        name + " between values; only spaces, tabs and line breaks may separate them: remove it");
  }

  /** Line and column of the value after the key written at {@code line}:{@code column}. */
  private static int[] valueAfterKey(String text, int line, int column) {
    int i = 0;
    for (int l = 1; l < line; l++) {
      i = text.indexOf('\n', i) + 1;
      if (i == 0) {
        return new int[] {line, column};
      }
    }
    i += column - 1;
    if (i >= text.length() || text.charAt(i) != '"') {
      return new int[] {line, column};
    }
    for (i++; i < text.length() && text.charAt(i) != '"'; i++) {
      if (text.charAt(i) == '\\') {
        i++;
      }
    }
    for (i++; i < text.length() && " \t\r\n:".indexOf(text.charAt(i)) >= 0; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    int lineStart = text.lastIndexOf('\n', i - 1) + 1;
    return new int[] {line, i - lineStart + 1};
  }

  /** The column where the number around {@code column} of {@code line} starts (1-based). */
  private static int numberStart(String text, int line, int column) {
    int start = 0;
    for (int l = 1; l < line && start >= 0; l++) {
      start = text.indexOf('\n', start) + 1;
      if (start == 0) {
        return column;
      }
    }
    int end = text.indexOf('\n', start);
    String row = text.substring(start, end < 0 ? text.length() : end);
    int c = Math.min(column, row.length());
    // Step back over what the parser read of the number (digits, signs, points, exponents).
    while (c >= 2 && "0123456789+-.eE".indexOf(row.charAt(c - 2)) >= 0) {
      c--;
    }
    return Math.max(1, c);
  }

  private ScenarioException error(JsonLocation loc, String pointer, String problem) {
    return new ScenarioException(file, loc.getLineNr(), loc.getColumnNr(), pointer, problem);
  }

  /** Jackson's parse messages, without the character codes that mean nothing to a user. */
  private static String plain(String msg) {
    if (msg.startsWith("Non-standard token '")) {
      String token = msg.substring("Non-standard token '".length(), msg.indexOf('\'', 20));
      return token + " is not a number in JSON; write a number such as 1.5";
    }
    if (msg.contains("maybe a (non-standard) comment")) {
      return "comments are not allowed: a scenario is strict JSON; remove the comment";
    }
    java.util.regex.Matcher open =
        java.util.regex.Pattern.compile(
                "expected close marker for (Object|Array) \\(start marker at \\[.*; line: (\\d+),"
                    + " column: (\\d+)\\]\\).*")
            .matcher(msg);
    if (open.find()) {
      return plain(msg.substring(0, open.start()))
          + "the "
          + (open.group(1).equals("Object") ? "object" : "array")
          + " opened at line "
          + open.group(2)
          + ", column "
          + open.group(3)
          + " is not closed";
    }
    // Whatever else the parser says, without the names of its classes and features.
    msg = msg.replaceAll("\\s*\\([^()]*`[^()]*\\)", "");
    int tick = msg.indexOf('`');
    if (tick >= 0) {
      int cut = msg.lastIndexOf(':', tick);
      msg = msg.substring(0, cut > 0 ? cut : tick).strip();
    }
    return msg.replaceAll(" \\(code \\d+\\)", "")
        .replace("Unexpected character", "unexpected character")
        .replace("Unexpected end-of-input", "unexpected end of file")
        .replace(
            "was expecting double-quote to start field name",
            "expected a key in double quotes (trailing commas and comments are not allowed)");
  }
}
