package dev.vsim.scenarios.sweep.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vsim.scenarios.run.BundledScenarios;
import dev.vsim.scenarios.sweep.PointRunner;
import dev.vsim.scenarios.sweep.SweepPoint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small sweeps for the cluster tests: the vmexit scenario over its iteration count. */
final class SweepPoints {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SweepPoints() {}

  /** {@code n} points of vmexit on one vCPU, {@code iterations + i * step} iterations each. */
  static List<SweepPoint> vmexit(int n, int iterations, int step) throws Exception {
    List<SweepPoint> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ObjectNode s = (ObjectNode) JSON.readTree(BundledScenarios.read("vmexit").orElseThrow());
      s.remove("variants");
      ((ObjectNode) s.at("/vms/0/workload")).put("iterations", iterations + i * step);
      String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s);
      String key =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(text.getBytes(StandardCharsets.UTF_8)))
              .substring(0, 16);
      out.add(new SweepPoint(i, List.of(Integer.toString(iterations + i * step)), key, text));
    }
    return out;
  }

  /** Each point's result.json, simulated here one after another. */
  static Map<String, String> local(List<SweepPoint> points) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (SweepPoint p : points) {
      out.put(p.key(), new String(PointRunner.run(p), StandardCharsets.UTF_8));
    }
    return out;
  }
}
