package dev.vsim.scenarios.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.vsim.cpu.units.ByteSize;
import dev.vsim.cpu.units.TimeSpan;
import java.io.IOException;
import java.util.function.Function;

/** Sizes and times written with units: {@code "2GiB"}, {@code "10ms"}, {@code "1500cycles"}. */
final class UnitsModule extends SimpleModule {
  private static final long serialVersionUID = 1L;

  UnitsModule() {
    super("vsim-units");
    addDeserializer(
        ByteSize.class,
        new WithUnit<>(ByteSize::parse, "a size needs a unit; write it as a string such as"));
    addDeserializer(
        TimeSpan.class,
        new WithUnit<>(TimeSpan::parse, "a time needs a unit; write it as a string such as"));
    addSerializer(ByteSize.class, new ToStringSerializer(ByteSize.class));
    addSerializer(TimeSpan.class, new ToStringSerializer(TimeSpan.class));
  }

  /** A value the user wrote that cannot be accepted; its message is shown as it is. */
  static final class BadValue extends JsonMappingException {
    private static final long serialVersionUID = 1L;

    BadValue(JsonParser p, String msg) {
      super(p, msg);
    }
  }

  private static final class WithUnit<T> extends JsonDeserializer<T> {
    private final Function<String, T> parse;
    private final String hint;

    WithUnit(Function<String, T> parse, String hint) {
      this.parse = parse;
      this.hint = hint;
    }

    @Override
    public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_NUMBER_INT
          || p.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
        String example = hint.startsWith("a size") ? "\"4KiB\"" : "\"10ms\" or \"1500cycles\"";
        throw new BadValue(p, hint + " " + example + ", not the bare number " + p.getText());
      }
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        String what = hint.startsWith("a size") ? "a size" : "a time";
        throw new BadValue(p, "expected " + what + " as a string, got " + Kinds.token(p));
      }
      try {
        return parse.apply(p.getText());
      } catch (IllegalArgumentException e) {
        throw new BadValue(p, e.getMessage());
      }
    }
  }
}
