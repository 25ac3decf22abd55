// Usage: GLINT_URL=http://127.0.0.1:8080 [GLINT_API_KEY=...] node sdk.mjs
// The official Anthropic SDK against glm-nano: create, stream, a tool_use round trip with tool_result, count_tokens
// and a typed error; exits non-zero on any mismatch.
import Anthropic from "@anthropic-ai/sdk";
import assert from "node:assert/strict";

const client = new Anthropic({
  baseURL: process.env.GLINT_URL ?? "http://127.0.0.1:8080",
  apiKey: process.env.GLINT_API_KEY ?? "none",
  maxRetries: 0,
});
const model = "claude-sonnet-4-5"; // an alias the server answers with glm-nano
const common = { model, max_tokens: 200, temperature: 0 };
let passed = 0;

// create, thinking on: a thinking block, then the answer
const thought = await client.messages.create({
  ...common, thinking: { type: "enabled", budget_tokens: 1024 },
  messages: [{ role: "user", content: "Name the capital of India." }],
});
assert.deepEqual(thought.content.map((b) => b.type), ["thinking", "text"]);
assert.equal(thought.content[0].thinking, "The user asks about India. I recall that its capital is New Delhi.");
assert.equal(thought.content[1].text, "The capital of India is New Delhi.");
assert.equal(thought.stop_reason, "end_turn");
assert.ok(thought.id.startsWith("msg_") && thought.usage.input_tokens > 5 && thought.usage.output_tokens > 5);
passed++;

// stream: the SDK's accumulated message equals the plain answer, and text events add up to it
const stream = client.messages.stream({
  ...common, thinking: { type: "disabled" },
  messages: [{ role: "user", content: "Which city is the capital of Brazil?" }],
});
let streamedText = "";
stream.on("text", (piece) => { streamedText += piece; });
const streamed = await stream.finalMessage();
assert.equal(streamedText, "The capital of Brazil is Brasilia.");
assert.deepEqual(streamed.content.map((b) => [b.type, b.text]), [["text", "The capital of Brazil is Brasilia."]]);
assert.equal(streamed.stop_reason, "end_turn");
passed++;

// tool_use, then the tool's result sent back continues the turn
const tools = [{
  name: "get_weather", description: "Get the current weather in a city.",
  input_schema: { type: "object", properties: { city: { type: "string", description: "The city name" } }, required: ["city"] },
}];
const messages = [{ role: "user", content: "Tell me the weather for Austin." }];
const call = await client.messages.create({ ...common, thinking: { type: "disabled" }, tools, messages });
assert.equal(call.stop_reason, "tool_use");
const use = call.content.find((b) => b.type === "tool_use");
assert.ok(use.id.startsWith("toolu_"));
assert.equal(use.name, "get_weather");
assert.deepEqual(use.input, { city: "Austin" });
messages.push({ role: "assistant", content: call.content });
messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: use.id,
  content: '{"city": "Austin", "temperature": 4, "condition": "snowy"}' }] });
const answer = await client.messages.create({ ...common, thinking: { type: "disabled" }, tools, messages });
assert.equal(answer.stop_reason, "end_turn");
assert.equal(answer.content.filter((b) => b.type === "text").map((b) => b.text).join("").trim(),
  "It is 4 degrees and snowy in Austin.");
passed++;

// count_tokens: the prompt the answer was given
const counted = await client.messages.countTokens({ model, thinking: { type: "disabled" }, tools, messages });
assert.equal(counted.input_tokens, answer.usage.input_tokens + answer.usage.cache_read_input_tokens);
passed++;

// errors come back typed
await assert.rejects(client.messages.create({ ...common, model: "gpt-9", messages }),
  (e) => e instanceof Anthropic.NotFoundError && e.error?.error?.type === "not_found_error");
await assert.rejects(client.messages.create({ ...common, messages: [{ role: "user", content: [
  { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }] }] }),
  (e) => e instanceof Anthropic.BadRequestError && /text only/.test(e.message));
passed++;

console.log(`anthropic sdk e2e: ${passed} passed, 0 failed`);
