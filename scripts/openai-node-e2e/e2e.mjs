// Usage: GLINT_URL=http://127.0.0.1:8080/v1 [GLINT_API_KEY=...] node e2e.mjs
// Streams a tool call from glm-nano, sends the tool result back, streams the answer; exits non-zero on any mismatch.
import OpenAI from "openai";
import assert from "node:assert/strict";

const client = new OpenAI({
  baseURL: process.env.GLINT_URL ?? "http://127.0.0.1:8080/v1",
  apiKey: process.env.GLINT_API_KEY ?? "none",
  maxRetries: 0,
});

const tools = [{
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
}];
const messages = [{ role: "user", content: "Tell me the weather for Austin." }];
const common = { model: "glm-nano", temperature: 0, tools, chat_template_kwargs: { enable_thinking: false } };

const calls = [];
let finish;
const first = await client.chat.completions.create({ ...common, messages, stream: true, stream_options: { include_usage: true } });
let usage;
for await (const chunk of first) {
  if (chunk.usage) usage = chunk.usage;
  const choice = chunk.choices[0];
  if (!choice) continue;
  for (const call of choice.delta?.tool_calls ?? []) {
    calls[call.index] ??= { id: call.id, name: "", arguments: "" };
    calls[call.index].name += call.function?.name ?? "";
    calls[call.index].arguments += call.function?.arguments ?? "";
  }
  if (choice.finish_reason) finish = choice.finish_reason;
}
assert.equal(finish, "tool_calls");
assert.equal(calls.length, 1);
assert.equal(calls[0].name, "get_weather");
assert.deepEqual(JSON.parse(calls[0].arguments), { city: "Austin" });
assert.ok(calls[0].id.startsWith("call_"));
assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0, "usage chunk");

messages.push({
  role: "assistant", content: null,
  tool_calls: [{ id: calls[0].id, type: "function", function: { name: calls[0].name, arguments: calls[0].arguments } }],
});
// Spaced like Python's json.dumps, as the tool results glm-nano was trained on.
messages.push({ role: "tool", tool_call_id: calls[0].id, content: '{"city": "Austin", "temperature": 4, "condition": "snowy"}' });

let answer = "";
const second = await client.chat.completions.create({ ...common, messages, stream: true });
for await (const chunk of second) answer += chunk.choices[0]?.delta?.content ?? "";
assert.equal(answer.trim(), "It is 4 degrees and snowy in Austin.");
console.log("openai-node e2e: 1 passed, 0 failed");
