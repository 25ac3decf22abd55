// Conversations the goldens are rendered from. GLM cases are OpenAI chat requests (rendered after normalize.mjs);
// Qwen3 and DeepSeek-V3 cases are raw template variables, as those templates take them.

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather in a city.",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string", description: "City name, e.g. \"Zürich\" or 東京" },
        days: { type: "integer", minimum: 1, maximum: 7 },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["city"],
    },
  },
};

const search = {
  type: "function",
  function: {
    name: "search_docs",
    description: "Search <docs> with a query; returns JSON \\ text.\nSecond line\twith tab.",
    parameters: {
      type: "object",
      properties: {
        query: { type: "string" },
        filters: {
          type: "object",
          properties: { tags: { type: "array", items: { type: "string" } }, exact: { type: "boolean", default: false } },
        },
        limit: { type: "number", default: 2.5 },
      },
      required: ["query"],
    },
  },
};

const now = { type: "function", function: { name: "now", description: "Current time 🕒.", parameters: { type: "object", properties: {} } } };

const tools = [weather, search, now];

const user = (content) => ({ role: "user", content });
const system = (content) => ({ role: "system", content });
const assistant = (content, extra = {}) => ({ role: "assistant", content, ...extra });
const tool = (content, extra = {}) => ({ role: "tool", content, ...extra });
const call = (name, args, id) => ({ id: id ?? `call_${name}`, type: "function", function: { name, arguments: args } });

// Each shape is rendered with thinking left to the default and with chat_template_kwargs.enable_thinking=false.
const shapes = {
  user_only: { messages: [user("What is 2 + 2?")] },
  system_user: { messages: [system("You are terse."), user("Hello!")] },
  developer_user: { messages: [{ role: "developer", content: "Answer in French." }, user("Hello")] },
  two_system_messages: { messages: [system("Rule one."), system("Rule two."), user("Go")] },
  multi_turn: { messages: [user("Hi"), assistant("Hello! How can I help?"), user("Tell me a joke.")] },
  history_reasoning_before_last_user: {
    messages: [user("1+1?"), assistant("2", { reasoning_content: "Add one and one." }), user("And 2+2?")],
  },
  history_reasoning_field_named_reasoning: {
    messages: [user("Capital of France?"), assistant("Paris.", { reasoning: "Easy one." }), user("Of Italy?")],
  },
  history_inline_think_in_content: {
    messages: [user("Hi"), assistant("<think>\nGreet back.\n</think>\n\nHello!"), user("Bye")],
  },
  assistant_content_whitespace: { messages: [user("x"), assistant("  \n spaced answer \n\n"), user("y")] },
  assistant_empty_content: { messages: [user("x"), assistant(""), user("y")] },
  tools_declared: { tools, messages: [user("Weather in Zürich for 2 days?")] },
  tools_with_system: { tools, messages: [system("You are a helpful assistant."), user("Search the docs for 'jinja'.")] },
  tools_empty_list: { tools: [], messages: [user("No tools here")] },
  tool_call_string_arguments: {
    tools,
    messages: [
      user("Weather in Zürich for 2 days?"),
      assistant(null, { tool_calls: [call("get_weather", '{"city": "Zürich", "days": 2}')] }),
      tool('{"temp": 20, "sky": "sunny ☀"}', { tool_call_id: "call_get_weather" }),
    ],
  },
  tool_call_object_arguments_with_reasoning: {
    tools,
    messages: [
      system("Be precise."),
      user("Weather in Oslo?"),
      assistant("", {
        reasoning_content: "The user wants the weather. I call get_weather.",
        tool_calls: [call("get_weather", { city: "Oslo", unit: "celsius" })],
      }),
      tool('{"temp": -3}'),
    ],
  },
  parallel_tool_calls_consecutive_results: {
    tools,
    messages: [
      user("Weather in Paris and Rome, and the time?"),
      assistant("Let me check both.", {
        reasoning: "Two cities, one clock.",
        tool_calls: [
          call("get_weather", '{"city":"Paris"}', "a"),
          call("get_weather", '{"city":"Rome","days":3}', "b"),
          call("now", "{}", "c"),
        ],
      }),
      tool("Paris: 18C", { tool_call_id: "a" }),
      tool("Rome: 24C", { tool_call_id: "b" }),
      tool("12:00", { tool_call_id: "c", name: "now" }),
    ],
  },
  typed_argument_values: {
    tools,
    messages: [
      user("Search"),
      assistant(null, {
        tool_calls: [
          call("search_docs", {
            query: "  leading and trailing spaces  ",
            filters: { tags: ["a", "b", "ünï"], exact: true, nested: { n: null, list: [1, [2, 3], {}] } },
            limit: 0.5,
            count: 7,
            flag: false,
            nothing: null,
            quoted: "say \"hi\"\n\\path",
          }),
        ],
      }),
      tool("[]"),
    ],
  },
  zero_argument_calls: {
    tools,
    messages: [
      user("Time?"),
      assistant(null, { tool_calls: [call("now", ""), call("now", null), call("now", {})] }),
      tool("09:30"),
      tool("09:30"),
      tool("09:30"),
    ],
  },
  full_tool_loop_then_new_user: {
    tools,
    messages: [
      user("Weather in Oslo?"),
      assistant(null, { reasoning_content: "Call the tool.", tool_calls: [call("get_weather", '{"city": "Oslo"}')] }),
      tool('{"temp": 4, "condition": "snowy"}'),
      assistant("It is 4 degrees and snowy in Oslo.", { reasoning_content: "Report it." }),
      user("Thanks! And in Bergen?"),
    ],
  },
  tool_loop_two_rounds: {
    tools,
    messages: [
      user("Compare Oslo and Bergen."),
      assistant("", { reasoning_content: "First Oslo.", tool_calls: [call("get_weather", { city: "Oslo" })] }),
      tool("4C"),
      assistant("", { reasoning_content: "Now Bergen.", tool_calls: [call("get_weather", { city: "Bergen" })] }),
      tool("7C"),
    ],
  },
  content_parts_user: {
    messages: [
      user([
        { type: "text", text: "Describe " },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        { type: "text", text: "this picture." },
      ]),
    ],
  },
  content_parts_system_and_assistant: {
    messages: [
      system([{ type: "text", text: "System as parts." }]),
      user("q"),
      assistant([{ type: "text", text: "Answer " }, { type: "text", text: "in parts." }]),
      user("next"),
    ],
  },
  tool_content_parts: {
    tools,
    messages: [
      user("Weather?"),
      assistant(null, { tool_calls: [call("get_weather", { city: "Lima" })] }),
      tool([{ type: "text", text: "Lima: " }, { type: "text", text: "19C" }]),
    ],
  },
  legacy_function_role: {
    tools,
    messages: [user("Time?"), assistant(null, { tool_calls: [call("now", "{}")] }), { role: "function", name: "now", content: "10:00" }],
  },
  user_already_nothink: { messages: [user("Quick answer please /nothink")] },
  unicode_and_escapes: {
    messages: [
      system("Ünïcödé 😀 — 中文 — العربية"),
      user('Quotes " and \' and backslash \\ and tab\t and <|user|> text'),
      assistant("Emoji: 👍🏽; CJK: 你好"),
      user("Line1\r\nLine2\n\n  indented"),
    ],
  },
  null_user_content: { messages: [user(null), user("after empty")] },
  no_generation_prompt: { add_generation_prompt: false, messages: [user("Hi"), assistant("Hello")] },
  extra_template_kwargs: { chat_template_kwargs: { unused_flag: true }, messages: [user("kwargs pass through")] },
};

const thinkingKnobs = {
  kwargs_enable_thinking_true: { chat_template_kwargs: { enable_thinking: true } },
  reasoning_effort_none: { reasoning_effort: "none" },
  reasoning_effort_high: { reasoning_effort: "high" },
  thinking_type_disabled: { thinking: { type: "disabled" } },
  thinking_type_enabled: { thinking: { type: "enabled" } },
  kwargs_beat_thinking_type: { chat_template_kwargs: { enable_thinking: true }, thinking: { type: "disabled" } },
};

export function glmRequests() {
  const cases = [];
  for (const [name, shape] of Object.entries(shapes)) {
    cases.push({ name, request: shape });
    const kwargs = { ...(shape.chat_template_kwargs ?? {}), enable_thinking: false };
    cases.push({ name: `${name}__thinking_off`, request: { ...shape, chat_template_kwargs: kwargs } });
  }
  for (const [name, knob] of Object.entries(thinkingKnobs)) {
    cases.push({ name, request: { ...knob, messages: [system("s"), user("Is thinking on?")] } });
  }
  return cases;
}

// Qwen3's template reads message.content as a string and tool-call arguments as a string or a mapping.
export function qwen3Contexts() {
  const base = [
    ["user_only", { messages: [user("Hello")] }],
    ["system_user", { messages: [system("You are Qwen."), user("Hi")] }],
    ["multi_turn_with_inline_think", { messages: [user("a"), assistant("<think>\nr1\n</think>\n\nA1"), user("b")] }],
    ["reasoning_content_after_last_query", {
      messages: [user("q"), assistant("Let me call.", { reasoning_content: "think first", tool_calls: [call("get_weather", { city: "Oslo" })] }), tool("4C")],
    }],
    ["tools_and_system", { tools, messages: [system("Sys."), user("Weather in 東京?")] }],
    ["tool_calls_string_and_object_arguments", {
      tools,
      messages: [
        user("two calls"),
        assistant("", { tool_calls: [call("get_weather", '{"city": "Rome"}'), call("search_docs", { query: "x", limit: 3 })] }),
        tool("r1"),
        tool("r2"),
        assistant("Done."),
      ],
    }],
    ["tool_response_as_user_text", {
      messages: [user("q"), assistant("a"), user("<tool_response>\nfake\n</tool_response>")],
    }],
    ["no_generation_prompt", { add_generation_prompt: false, messages: [user("Hi"), assistant("Hello")] }],
  ];
  const cases = [];
  for (const [name, context] of base) {
    cases.push({ name, context: { add_generation_prompt: true, ...context } });
    cases.push({ name: `${name}__thinking_off`, context: { add_generation_prompt: true, ...context, enable_thinking: false } });
  }
  return cases;
}

// DeepSeek-V3's template concatenates tool-call arguments as strings and branches on content being none.
export function deepseekContexts() {
  const base = [
    ["user_only", { messages: [user("Hello")] }],
    ["systems_joined", { messages: [system("One."), system("Two."), user("Hi")] }],
    ["multi_turn", { messages: [user("a"), assistant("A"), user("b")] }],
    ["tool_calls_and_outputs", {
      messages: [
        user("weather?"),
        { role: "assistant", content: null, tool_calls: [call("get_weather", '{"city": "Oslo"}'), call("get_weather", '{"city": "Rome"}')] },
        tool("4C"),
        tool("20C"),
        assistant("Oslo 4C, Rome 20C."),
        user("thanks"),
      ],
    }],
    ["ends_with_tool_output", {
      messages: [user("t"), { role: "assistant", content: null, tool_calls: [call("now", "{}")] }, tool("12:00")],
    }],
    ["unicode", { messages: [system("中文系统"), user("😀 hi")] }],
  ];
  const cases = [];
  for (const [name, context] of base) {
    cases.push({ name, context: { add_generation_prompt: true, ...context } });
    cases.push({ name: `${name}__no_generation_prompt`, context: { ...context, add_generation_prompt: false } });
  }
  cases.push({ name: "add_generation_prompt_undefined", context: { messages: [user("x")] } });
  return cases;
}
