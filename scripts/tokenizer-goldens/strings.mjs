// The strings every tokenizer golden covers: each category a tokenizer gets wrong in its own way.
const english = [
  "", "Hello world", "Hello, world!", "The quick brown fox jumps over the lazy dog.", "I'm sure you'll see it's fine; they've said we'd go.",
  "IT'S LOUD AND THEY'RE HERE", "don't", "Don'T", "rock'n'roll", "O'Neill's dog", "a", " a", "  a", "a ", "A.B.C.", "e.g. i.e. etc.",
  "Mr. Smith paid $1,234.56 for 3 items (tax 7%).", "state-of-the-art", "snake_case_name", "camelCaseName", "ALLCAPS", "MiXeD cAsE",
  // (?i:'s|...) must fold case the way Oniguruma does: 'ſ (long s) and the Kelvin sign are letters, not contractions.
  "it'ſ", "IT'S", "we'LL", "you'Re", "'s", "''s", "' s", "x'K", "he'd've",
];
const numbers = ["0", "7", "12", "123", "1234", "12345", "123456", "1234567", "12345678901234567890", "3.14159", "1e-9", "-42",
  "2026-11-23", "10:45:00", "+1 (555) 010-9999", "0x7FFF", "1,000,000", "v1.2.3", "x86_64", "١٢٣٤٥", "一二三", "Ⅻ ⅻ ²³ ½",
  "9".repeat(100), "1234567890".repeat(20), "a1b22c333d4444", "௧௨௩ ໑໒໓"];
const whitespace = [" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n", " \n ", "a\n\nb", "a\r\nb", "a  b", "a\t b",
  "line one\nline two\n", "  leading", "trailing  ", "\n\n\nthree newlines", "tab\tseparated\tvalues", "a\u00a0b", "a\u3000b",
  "a\u2028b", "a\u2029b", "a\u0085b", "a\u200bb", "\u2003em space", "x \n\t y", "a\u1680b", "a\u180eb", "a\u202fb", "a\u205fb",
  "a\u000bb\u000cc", "a\u001cb\u001fc", "a\rb", "\r\r\n\n\r", " ".repeat(300), "\t".repeat(64), "\n".repeat(80), " \n".repeat(40),
  "x" + " ".repeat(57) + "y", "\r\n \r\n  \r\n", " \t \t\n\t \n", "end\n", "\u3000\u3000全角", "a \u00a0 b",
];
const code = [
  "def add(a, b):\n    return a + b\n", "for (int i = 0; i < n; i++) {\n\tsum += x[i];\n}",
  "const f = (x) => x ** 2; // square", "SELECT * FROM users WHERE id = 42;", "<div class=\"a\">Hi</div>",
  "{\"key\": [1, 2, {\"nested\": null}], \"b\": true}", "https://example.com/path?query=1&b=two#frag", "user@example.org",
  "#include <stdio.h>\nint main(void) { return 0; }", "if x != None and y >= 3:\n        pass", "$ ls -la | grep '^d'",
  "    indented four", "\tindented tab", "```python\nprint('hi')\n```", "a_b-c.d/e\\f", "x+=1;y-=2;z*=3", "~!@#$%^&*()_+-=[]{}|;':\",./<>?",
  "fn main() -> Result<(), Box<dyn Error>> {\n    Ok(())\n}\n", "<?xml version=\"1.0\"?>\n<root attr='v'/>", "a == b && c != d || !e",
  "/* comment */ // another\n# hash", "std::vector<std::string> v{\"a\"};", "    \n    \n", "!!!???...", "----====____",
  "\\n\\t\\\\", "`backticks` and 'quotes' and \"doubles\"",
];
const unicode = [
  "你好，世界！", "我们今天去北京大学学习。", "日本語のテキストです。", "カタカナとひらがな", "한국어 문장입니다.", "Привет, мир!",
  "Ελληνικά γράμματα", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Tiếng Việt có dấu", "Ünïcödé çhâràctèrs",
  "café", "cafe\u0301", "naïve résumé", "ﬁ ligature", "Å Å", "straße", "İstanbul", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "∑ x² ≤ ∞", "½ ¾ ⅓", "©®™",
  "😀", "😀😃😄", "👍🏽", "👨‍👩‍👧‍👦", "🇯🇵🇫🇷", "❤️", "a😀b", "emoji 🎉 in text", "中文English混合text", "日本語123数字",
  "𠀀𠀁 rare CJK", "\u00ad soft hyphen", "→ ← ↑ ↓", "— – -", "“quotes” ‘single’", "«guillemets»",
  // Letters added in Unicode 15 and 16: \p{L} must follow the same Unicode version as Oniguruma's tables.
  "\u{1E4D0}\u{1E4D1} x", "a\u{1E5D0}b", "a\u{2EBF0}b", "a\u1C89b", "\u{10D40}\u{10D41}x", "a\u{11F04}b",
  "\u1100\u1161\u11A8 jamo", "Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３", "ｶﾀｶﾅ", "x\u0300\u0301\u0302y", "\u0915\u094D\u0937", "ǅungla",
  "Ω Ω K K", "\u{1F16A} \u{1F600}\u{FE0F}", "\uFEFFbom", "zero\u200dwidth\u200cjoin", "\u{E0041}tag", "\uE000private",
  "한국어와 中文과 English가 섞인 문장", "Ⓐⓑⓒ ①②③", "ℌℑℜ", "ǲ ǳ", "ﬀ ﬃ ﬄ",
];
const long = [
  "The tokenizer must agree with Hugging Face on every byte. ".repeat(8) + "数字 12345 and code `x += 1;`\n".repeat(4),
  "中文的句子很长，没有空格，所以一个正则表达式的匹配会覆盖整段文字，直到遇到标点符号为止。".repeat(3),
  Array.from({ length: 60 }, (_, i) => `item_${i}: ${i * i}`).join(", "),
];

function specialsOf(name) {
  if (name.startsWith("glm-nano")) {
    return ["[gMASK]<sop><|user|>\nWhat is 2 + 2?<|assistant|>", "<|system|>\nBe brief.<|user|>\nhi", "<think>reason</think>answer",
      "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Oslo</arg_value>\n</tool_call>", "text<|endoftext|>more",
      "/nothink", "a /nothink b", "<|observation|>\n<tool_response>{\"t\": 4}</tool_response>", "<think></think>", "[MASK][sMASK]",
      "  <|user|>  spaced  ", "<|user|<|user|>>", "<think><think>", "<|endoftext|", "[gMASK][gMASK]x"];
  }
  if (name === "qwen3") {
    return ["<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n", "<think>\nok\n</think>\n\nHi", "<tool_call>\n{}\n</tool_call>",
      "x<|endoftext|>y", "<|im_start|><|im_end|>", "<|vision_start|><|image_pad|><|vision_end|>", " <|im_start|> spaced ",
      "<tool_response>r</tool_response>", "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>", "plain <|im_end|", "<|im_start|<|im_start|>",
      "\n\n<|im_end|>\n\n", "<think></think>"];
  }
  return ["<｜begin▁of▁sentence｜>Hello", "<｜User｜>Hi<｜Assistant｜>", "text<｜end▁of▁sentence｜>", "<think>x</think>",
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>", " <｜User｜> spaced ",
    "<｜fim▁hole｜>", "<｜begin▁of▁sentence｜><｜begin▁of▁sentence｜>", "partial <｜User", "a<｜Assistant｜>b", "<|EOT|>end",
    "x <|EOT|> y", "<｜place▁holder▁no▁7｜>"];
}

/** A deterministic generator, so regenerating gives the same strings. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** Random joins of the given strings, so that categories meet at piece boundaries. */
function mixes(base, count, seed) {
  const next = random(seed);
  const mixed = [];
  while (mixed.length < count) {
    const parts = [];
    const partCount = 2 + Math.floor(next() * 4);
    for (let i = 0; i < partCount; i++) {
      parts.push(base[Math.floor(next() * base.length)]);
    }
    const glue = [" ", "", "\n", "  ", "\t", "\r\n"][Math.floor(next() * 6)];
    mixed.push(parts.join(glue));
  }
  return mixed;
}

/** The strings of the three real tokenizers: every category, then random mixes up to 420. */
export function stringsFor(name) {
  const base = [...english, ...numbers, ...whitespace, ...code, ...unicode, ...long, ...specialsOf(name)];
  return [...base, ...mixes(base, 420 - base.length, 1234)];
}

/** The strings of a variant tokenizer: a sample of every category, its own cases, and mixes of both. */
export function variantStrings(own) {
  const sample = [...english, ...numbers, ...whitespace, ...code, ...unicode, ...specialsOf("glm-nano")].filter((_, i) => i % 3 === 0);
  const base = [...sample, ...own];
  return [...base, ...mixes([...own, ...own, ...sample], 60, 99)];
}
