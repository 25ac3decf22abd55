// An independent JavaScript statement of what Glint's ChatRequestNormalizer does to an OpenAI chat request
// before rendering (serving-api.md §7.1). The goldens render its output with @huggingface/jinja, so the Java
// test that renders the same request through normaliser + interpreter checks both against a second opinion.

const ROLES = { system: "system", developer: "system", user: "user", assistant: "assistant", tool: "tool", function: "tool" };

function parseArguments(args) {
  if (args === undefined || args === null) return {};
  if (typeof args !== "string") return args;
  return args.trim() === "" ? {} : JSON.parse(args);
}

function normalizeContent(role, content) {
  if (content === undefined || content === null) return "";
  const textOnly = Array.isArray(content) && content.every((p) => p && p.type === "text" && typeof p.text === "string");
  if (role === "tool" && textOnly) return content.map((p) => p.text).join("");
  return content;
}

function normalizeMessage(message) {
  const role = ROLES[message.role];
  const out = { ...message, role, content: normalizeContent(role, message.content) };
  const reasoning = message.reasoning_content ?? message.reasoning;
  delete out.reasoning;
  delete out.reasoning_content;
  if (typeof reasoning === "string") out.reasoning_content = reasoning;
  if (message.tool_calls === null) delete out.tool_calls;
  if (Array.isArray(message.tool_calls)) {
    out.tool_calls = message.tool_calls.map((call) => ({
      ...call,
      function: { ...call.function, arguments: parseArguments(call.function.arguments) },
    }));
  }
  return out;
}

function enableThinking(request) {
  const kwargs = request.chat_template_kwargs ?? {};
  if (typeof kwargs.enable_thinking === "boolean") return kwargs.enable_thinking;
  const type = request.thinking?.type;
  if (type === "disabled") return false;
  if (type === "enabled") return true;
  if (request.reasoning_effort === "none") return false;
  return undefined;
}

/** The template variables an OpenAI chat request renders with. */
export function templateContext(request, specialTokens) {
  const context = { ...specialTokens, ...(request.chat_template_kwargs ?? {}) };
  delete context.enable_thinking;
  context.messages = request.messages.map(normalizeMessage);
  context.tools = request.tools ?? null;
  context.add_generation_prompt = request.add_generation_prompt ?? true;
  const thinking = enableThinking(request);
  if (thinking !== undefined) context.enable_thinking = thinking;
  return context;
}
