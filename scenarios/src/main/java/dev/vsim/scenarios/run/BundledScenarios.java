package dev.vsim.scenarios.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The scenario files shipped in the repository's {@code scenarios/} directory; the build also packs
 * them into the jar under {@code bundled-scenarios/} so {@code vsim run NAME} works anywhere.
 */
public final class BundledScenarios {
  private static final String DIR = "bundled-scenarios/";

  private BundledScenarios() {}

  /** A bundled scenario: its file name and its one-line description. */
  public record Entry(String fileName, String description) {}

  /** Every bundled scenario, in the order of the index. */
  public static List<Entry> list() {
    List<Entry> out = new ArrayList<>();
    for (String file : index()) {
      String text = read(file).orElseThrow();
      String description;
      try {
        JsonNode d = new ObjectMapper().readTree(text).path("description");
        description = d.asText("");
      } catch (IOException e) {
        description = "(unreadable: " + e.getMessage() + ")";
      }
      int cut = description.indexOf(". ");
      out.add(new Entry(file, cut > 0 ? description.substring(0, cut + 1) : description));
    }
    return out;
  }

  /** The text of a bundled scenario file, by file name (with or without ".json"). */
  public static Optional<String> read(String name) {
    String file = name.endsWith(".json") ? name : name + ".json";
    try (InputStream in = BundledScenarios.class.getClassLoader().getResourceAsStream(DIR + file)) {
      return in == null
          ? Optional.empty()
          : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> index() {
    return Resources.lines(DIR + "index.txt");
  }
}
