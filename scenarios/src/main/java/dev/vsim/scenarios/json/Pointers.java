package dev.vsim.scenarios.json;

/** JSON pointer (RFC 6901) escaping. */
public final class Pointers {
  private Pointers() {}

  public static String child(String parent, String name) {
    return parent + "/" + name.replace("~", "~0").replace("/", "~1");
  }

  public static String child(String parent, int index) {
    return parent + "/" + index;
  }

  static String unescape(String token) {
    return token.replace("~1", "/").replace("~0", "~");
  }
}
