// The strings every tokenizer golden covers: each category a tokenizer gets wrong in its own way.
const english = [
  "Hello world", "Hello, world!", "The quick brown fox jumps over the lazy dog.", "I'm sure you'll see it's fine; they've said we'd go.",
  "IT'S LOUD AND THEY'RE HERE", "don't", "Don'T", "rock'n'roll", "O'Neill's dog", "a", " a", "  a", "a ", "A.B.C.", "e.g. i.e. etc.",
  "Mr. Smith paid $1,234.56 for 3 items (tax 7%).", "state-of-the-art", "snake_case_name", "camelCaseName", "ALLCAPS", "MiXeD cAsE",
];
const numbers = ["0", "7", "12", "123", "1234", "12345", "123456", "1234567", "12345678901234567890", "3.14159", "1e-9", "-42",
  "2026-11-23", "10:45:00", "+1 (555) 010-9999", "0x7FFF", "1,000,000", "v1.2.3", "x86_64", "١٢٣٤٥", "一二三"];
const whitespace = [" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n", " \n ", "a\n\nb", "a\r\nb", "a  b", "a\t b",
  "line one\nline two\n", "  leading", "trailing  ", "\n\n\nthree newlines", "tab\tseparated\tvalues", "a\u00a0b", "a\u3000b",
  "a\u2028b", "a\u0085b", "a\u200bb", "\u2003em space", "x \n\t y"];
const code = [
  "def add(a, b):\n    return a + b\n", "for (int i = 0; i < n; i++) {\n\tsum += x[i];\n}",
  "const f = (x) => x ** 2; // square", "SELECT * FROM users WHERE id = 42;", "<div class=\"a\">Hi</div>",
  "{\"key\": [1, 2, {\"nested\": null}], \"b\": true}", "https://example.com/path?query=1&b=two#frag", "user@example.org",
  "#include <stdio.h>\nint main(void) { return 0; }", "if x != None and y >= 3:\n        pass", "$ ls -la | grep '^d'",
  "    indented four", "\tindented tab", "```python\nprint('hi')\n```", "a_b-c.d/e\\f", "x+=1;y-=2;z*=3", "~!@#$%^&*()_+-=[]{}|;':\",./<>?",
];
const unicode = [
  "你好，世界！", "我们今天去北京大学学习。", "日本語のテキストです。", "カタカナとひらがな", "한국어 문장입니다.", "Привет, мир!",
  "Ελληνικά γράμματα", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Tiếng Việt có dấu", "Ünïcödé çhâràctèrs",
  "café", "cafe\u0301", "naïve résumé", "ﬁ ligature", "Å Å", "straße", "İstanbul", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "∑ x² ≤ ∞", "½ ¾ ⅓", "©®™",
  "😀", "😀😃😄", "👍🏽", "👨‍👩‍👧‍👦", "🇯🇵🇫🇷", "❤️", "a😀b", "emoji 🎉 in text", "中文English混合text", "日本語123数字",
  "𠀀𠀁 rare CJK", "\u00ad soft hyphen", "→ ← ↑ ↓", "— – -", "“quotes” ‘single’", "«guillemets»",
];
function specialsOf(name) {
  if (name === "glm-nano") {
    return ["[gMASK]<sop><|user|>\nWhat is 2 + 2?<|assistant|>", "<|system|>\nBe brief.<|user|>\nhi", "<think>reason</think>answer",
      "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Oslo</arg_value>\n</tool_call>", "text<|endoftext|>more",
      "/nothink", "a /nothink b", "<|observation|>\n<tool_response>{\"t\": 4}</tool_response>", "<think></think>", "[MASK][sMASK]"];
  }
  if (name === "qwen3") {
    return ["<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n", "<think>\nok\n</think>\n\nHi", "<tool_call>\n{}\n</tool_call>",
      "x<|endoftext|>y", "<|im_start|><|im_end|>", "<|vision_start|><|image_pad|><|vision_end|>", " <|im_start|> spaced ",
      "<tool_response>r</tool_response>", "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>", "plain <|im_end|"];
  }
  return ["<｜begin▁of▁sentence｜>Hello", "<｜User｜>Hi<｜Assistant｜>", "text<｜end▁of▁sentence｜>", "<think>x</think>",
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>", " <｜User｜> spaced ",
    "<｜fim▁hole｜>", "<｜begin▁of▁sentence｜><｜begin▁of▁sentence｜>", "partial <｜User", "a<｜Assistant｜>b"];
}

/** A deterministic generator, so regenerating gives the same strings. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

export function stringsFor(name) {
  const base = [...english, ...numbers, ...whitespace, ...code, ...unicode, ...specialsOf(name)];
  const next = random(1234);
  const mixed = [];
  while (base.length + mixed.length < 320) {
    const parts = [];
    const count = 2 + Math.floor(next() * 4);
    for (let i = 0; i < count; i++) {
      parts.push(base[Math.floor(next() * base.length)]);
    }
    const glue = [" ", "", "\n", "  ", "\t", "\r\n"][Math.floor(next() * 6)];
    mixed.push(parts.join(glue));
  }
  return [...base, ...mixed];
}
