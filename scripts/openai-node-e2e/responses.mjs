// Usage: GLINT_URL=http://127.0.0.1:8080/v1 [GLINT_API_KEY=...] node responses.mjs
// The official OpenAI SDK's Responses API against glm-nano: plain, streamed, and a function call answered with
// function_call_output; exits non-zero on any mismatch.
import OpenAI from "openai";
import assert from "node:assert/strict";

const client = new OpenAI({
  baseURL: process.env.GLINT_URL ?? "http://127.0.0.1:8080/v1",
  apiKey: process.env.GLINT_API_KEY ?? "none",
  maxRetries: 0,
});
const common = { model: "glm-nano", temperature: 0, store: false, max_output_tokens: 200 };
let passed = 0;

// plain, thinking on by default: a reasoning item, then the message
const thought = await client.responses.create({ ...common, input: "Name the capital of India." });
assert.equal(thought.status, "completed");
assert.deepEqual(thought.output.map((item) => item.type), ["reasoning", "message"]);
assert.equal(thought.output[0].content[0].text, "The user asks about India. I recall that its capital is New Delhi.");
assert.equal(thought.output_text, "The capital of India is New Delhi.");
passed++;

// streamed with instructions, reasoning off: the deltas add up to the completed response's text
const stream = await client.responses.create({
  ...common, stream: true, reasoning: { effort: "none" }, instructions: "You are a helpful assistant.",
  input: [{ role: "user", content: "Which city is the capital of Brazil?" }],
});
let text = "";
let completed;
const types = [];
for await (const event of stream) {
  types.push(event.type);
  if (event.type === "response.output_text.delta") text += event.delta;
  if (event.type === "response.completed") completed = event.response;
}
assert.equal(types[0], "response.created");
assert.equal(types.at(-1), "response.completed");
assert.equal(text, "The capital of Brazil is Brasilia.");
assert.equal(completed.output_text ?? completed.output[0].content[0].text, text);
assert.ok(completed.usage.input_tokens > 5 && completed.usage.output_tokens > 5);
passed++;

// a function call, answered with function_call_output in the next request's input
const tools = [{
  type: "function", name: "get_weather", description: "Get the current weather in a city.", strict: false,
  parameters: { type: "object", properties: { city: { type: "string", description: "The city name" } }, required: ["city"] },
}];
const input = [{ role: "user", content: "Tell me the weather for Austin." }];
const call = await client.responses.create({ ...common, reasoning: { effort: "none" }, tools, input });
const fc = call.output.find((item) => item.type === "function_call");
assert.ok(fc && fc.call_id.startsWith("call_"));
assert.equal(fc.name, "get_weather");
assert.deepEqual(JSON.parse(fc.arguments), { city: "Austin" });
input.push(...call.output);
input.push({ type: "function_call_output", call_id: fc.call_id, output: '{"city": "Austin", "temperature": 4, "condition": "snowy"}' });
const answer = await client.responses.create({ ...common, reasoning: { effort: "none" }, tools, input });
assert.equal(answer.output_text.trim(), "It is 4 degrees and snowy in Austin.");
passed++;

// a stored response is refused, not silently dropped
await assert.rejects(client.responses.create({ ...common, store: true, input: "Hi" }),
  (e) => e instanceof OpenAI.BadRequestError && /store/.test(e.message));
passed++;

console.log(`openai responses e2e: ${passed} passed, 0 failed`);
