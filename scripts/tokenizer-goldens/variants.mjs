// Variants of glm-nano's tokenizer.json that exercise what the real tokenizers leave unused: other pre-tokenizers and
// split behaviours, normalizers, added tokens with single_word/lstrip/rstrip/normalized, ignore_merges, "a b" merges.
const byteLevel = (addPrefixSpace) => ({ type: "ByteLevel", add_prefix_space: addPrefixSpace, trim_offsets: false, use_regex: false });
const split = (pattern, behavior, invert = false) => ({ type: "Split", pattern, behavior, invert });

/** GPT-2's layout: NFC, ByteLevel with its own regex and a prefix space, merges as "a b" strings, ignore_merges. */
function gpt2(base) {
  const tokenizer = structuredClone(base);
  tokenizer.normalizer = { type: "NFC" };
  tokenizer.pre_tokenizer = { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true };
  const model = tokenizer.model;
  model.merges = model.merges.map(([a, b]) => `${a} ${b}`);
  model.ignore_merges = true;
  // Words in the vocabulary that no merge builds: with ignore_merges they are one token each.
  const unmerged = ["Ġqzx", "qzx", "12", "Ġ2026", "ĠHello", "Ġworld!"];
  unmerged.forEach((token, i) => { model.vocab[token] = 1536 + i; });
  // Hugging Face numbers added tokens after the model's vocabulary size (its entry count), so they move up.
  tokenizer.added_tokens.forEach((token, i) => { token.id = Object.keys(model.vocab).length + i; });
  return {
    tokenizer,
    strings: [" qzx qzx", "qzx", "12 12 123 2026", "Hello world! Hello world!", "a12b", " Hello", "\tHello\n", "caf\u00e9 cafe\u0301"],
  };
}

/** Added tokens with every option, under an NFKC normalizer (in a Sequence), so "normalized" tokens match after it. */
function addedTokens(base) {
  const tokenizer = structuredClone(base);
  tokenizer.normalizer = { type: "Sequence", normalizers: [{ type: "NFKC" }] };
  const token = (content, options) => ({
    id: 0, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false, ...options,
  });
  const extra = [
    token("<mask>", { single_word: true, lstrip: true, rstrip: true, special: true }),
    token("[L]", { lstrip: true }),
    token("[R]", { rstrip: true, special: true }),
    token("<a>", {}),
    token("<a><b>", {}),
    token("word", { single_word: true, normalized: true }),
    token("_id", { single_word: true }),
    token("ｆｕｌｌ", { normalized: true }),
    token("é", { normalized: true }),
    token("Ｘ", {}),
    token(" spaced", { normalized: true }),
    token("function", { normalized: true, special: true }),
    token("<gap>", {}),
  ];
  const size = Object.keys(tokenizer.model.vocab).length;
  let next = Math.max(...tokenizer.added_tokens.map((t) => t.id)) + 1;
  for (const t of extra) {
    t.id = t.content in tokenizer.model.vocab ? tokenizer.model.vocab[t.content] : next++;
  }
  // A wrong id in the file: Hugging Face ignores it and numbers the token itself (with a warning).
  extra.find((t) => t.content === "<gap>").id = size + 4000;
  tokenizer.added_tokens.push(...extra);
  return {
    tokenizer,
    strings: [
      "a <mask> b", "a<mask>b", "<mask>", " <mask> ", "x\u3000<mask>\u2028y", "(<mask>)", "a_<mask>", "é<mask>", "\t<mask>\n<mask>\t<mask>",
      "x [L]y", "x\n\t [L] y", "[L][L]", " [L]", "x [R] y", "[R]\u00a0\u0085z", "[R] [L]", "[R]  [L]  [R]",
      "<a>", "<a><b>", "<a><b", "<a><a><b><b>", "word", "a word here", "words", "sword", "word_", "word1", "(word)", "ｗｏｒｄ", "WORD",
      "_id", "x_id", "_id_", "the _id.", "full", "ｆｕｌｌ", "fullest", "e\u0301", "é", "caf\u00e9", "X", "Ｘ", "ＸＸ", "a spaced b",
      " spaced", "spaced", "function", "a function()", "functional", "<gap>", "x<gap>y", "<|user|><mask><think>", "<|user|> <mask> word",
      "① ﬁ ㎏ ﹖", "ｱｲｳ",
    ],
  };
}

/**
 * Every Split behaviour in one Sequence, then ByteLevel adding a prefix space to each piece (which shows where pieces
 * begin). Oniguruma's own syntax: (?m) lets the dot match a newline, \v is only the vertical tab, and \w is a letter,
 * mark, number or connector punctuation.
 */
function splits(base) {
  const tokenizer = structuredClone(base);
  tokenizer.pre_tokenizer = {
    type: "Sequence",
    pretokenizers: [
      split({ Regex: "(?m:<.>)" }, "Removed"),
      split({ Regex: "\\w+|\\v" }, "Isolated"),
      split({ String: "-" }, "MergedWithPrevious"),
      split({ Regex: "[,;]" }, "MergedWithNext"),
      split({ Regex: "\\p{N}" }, "Contiguous"),
      split({ Regex: "\\s+" }, "Removed"),
      split({ String: "." }, "Isolated"),
      byteLevel(true),
    ],
  };
  return {
    tokenizer,
    strings: ["a-b-c", "--a--", "x,y;z", ",,a;;", "12ab34", "1 2  3", "a.b.c", "a. b", "state-of-the-art, 2026; v1.2.3", "end-", "-start",
      "  many   spaces  ", "\u3000wide\u3000space", "1,234.56-7", "-,-;-.", "2026-11-23", "a<\n>b<x>c", "<\r><\u2028>", "a\u000bb\u000cc\u0085d",
      "ab\u200dcd \u2160x \u00b9y \u24b6b", "x_y\u203fz", "a\u0301b"],
  };
}

/** Inverted patterns (keep what matches), Oniguruma's \h (a hex digit, not Java's horizontal space) and empty matches. */
function inverted(base) {
  const tokenizer = structuredClone(base);
  tokenizer.pre_tokenizer = {
    type: "Sequence",
    pretokenizers: [
      split({ Regex: "[\\p{L}\\h]+|\\s" }, "Removed", true),
      split({ Regex: "x*" }, "MergedWithNext", true),
      split({ Regex: "b*" }, "MergedWithPrevious"),
      split({ Regex: "(?i:A)|\\h{2}" }, "Isolated", true),
      byteLevel(false),
    ],
  };
  return {
    tokenizer,
    strings: ["xaax bxb", "abc123def", "dead beef", "0xC0FFEE!", "xxx", "bbbabbb", "AaAa", "ex-ex", "\t1\t2\t", "αβγ x δ", "  ",
      "ÀÁ à"],
  };
}

export const variants = { "glm-nano-gpt2": gpt2, "glm-nano-added-tokens": addedTokens, "glm-nano-splits": splits, "glm-nano-inverted": inverted };
