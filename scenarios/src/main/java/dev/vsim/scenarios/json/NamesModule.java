package dev.vsim.scenarios.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.vsim.cpu.registry.Registry;
import dev.vsim.guest.apic.IpiSender;
import java.io.IOException;

/**
 * Values a scenario picks by a name of a plug point's {@link Registry} (bound to the registered
 * value, so a misspelt name is answered with the registry's did-you-mean at its position).
 */
final class NamesModule extends SimpleModule {
  private static final long serialVersionUID = 1L;

  NamesModule() {
    super("vsim-names");
    named(IpiSender.Mode.class, IpiSender.MODES);
  }

  private <T> void named(Class<T> type, Registry<T> registry) {
    addDeserializer(type, new ByName<>(registry));
  }

  private static final class ByName<T> extends JsonDeserializer<T> {
    private final Registry<T> registry;

    ByName(Registry<T> registry) {
      this.registry = registry;
    }

    @Override
    public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw new UnitsModule.BadValue(
            p,
            "expected a string, got "
                + Kinds.token(p)
                + "; use one of: "
                + String.join(", ", registry.names()));
      }
      String name = p.getText();
      if (!registry.contains(name)) {
        throw new UnitsModule.BadValue(p, registry.unknown(name));
      }
      return registry.get(name);
    }
  }
}
