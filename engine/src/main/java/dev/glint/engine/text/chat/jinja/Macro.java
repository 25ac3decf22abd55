package dev.glint.engine.text.chat.jinja;

import java.util.List;
import java.util.Map;

/** A {@code macro} bound to the scope it was defined in; calling it renders its body to a string. */
record Macro(Node.MacroDefinition definition, Scope closure, Renderer renderer) implements JinjaCallable {
    String name() {
        return definition.name();
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        return renderer.callMacro(this, args, kwargs);
    }
}
