// Reference ids of chat-templated prompts for tests/golden/hf_tokenizers/<family>/prompt_golden.json:
// each prompt as one user turn, rendered by the fixture's own chat_template with
// add_generation_prompt (by @huggingface/jinja, the renderer of transformers.js), then encoded by
// @huggingface/tokenizers with add_special_tokens false, which is what transformers'
// apply_chat_template(tokenize=True) does. The ids our Tokenizer::encode_prompt must give. Imports
// nothing of ours. Run tests/js/setup.sh once, then: node tests/js/make_prompt_golden.mjs
//
// Left out on purpose: prompts that contain a special token's text ("<|im_end|>"). The reference
// turns such text into the special token; ours encodes what a user typed as text, so a prompt cannot
// close its own turn (docs/chat-templates.md).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";
import { Template } from "@huggingface/jinja";

const here = dirname(fileURLToPath(import.meta.url));
const goldenDir = join(here, "..", "golden", "hf_tokenizers");
const version = (name) =>
  JSON.parse(readFileSync(join(here, "node_modules", "@huggingface", name, "package.json"), "utf8"))
    .version;
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

// The letter-sorting demo's prompt form, ordinary questions, and the edges a template touches:
// outer whitespace (Llama 3 trims it), newlines, non-ASCII text, an empty prompt. No Unicode digits
// beyond 0-9 and no U+0085/U+FEFF: there this library departs from the Rust tokenizers (corrected
// in make_hf_golden.mjs, whose corpus covers them for encode()).
const prompts = [
  "sort: dbca",
  "sort: qwertyui",
  "Hello, who are you?",
  "Name three primes.",
  "Line one\nLine two\n\nLine four\n",
  "  padded both sides  ",
  "Grüße, 世界! 🎉 café — naïve",
  "\u00a0non-breaking spaces\u00a0",
  "What is 2+2? Answer with a number: 4, 5 or 22.",
  "",
];

const token = (value) => (value && typeof value === "object" ? value.content : value);

for (const family of ["smollm2", "qwen2", "llama3"]) {
  const dir = join(goldenDir, family);
  const config = readJson(join(dir, "tokenizer_config.json"));
  const tokenizer = new Tokenizer(readJson(join(dir, "tokenizer.json")), config);
  const template = new Template(config.chat_template);
  const cases = prompts.map((text) => {
    const rendered = template.render({
      messages: [{ role: "user", content: text }],
      add_generation_prompt: true,
      bos_token: token(config.bos_token) ?? "",
      eos_token: token(config.eos_token) ?? "",
    });
    return { text, rendered, ids: tokenizer.encode(rendered, { add_special_tokens: false }).ids };
  });
  const path = join(dir, "prompt_golden.json");
  writeFileSync(path, JSON.stringify({
    generator: "tests/js/make_prompt_golden.mjs",
    library: `@huggingface/tokenizers ${version("tokenizers")}, @huggingface/jinja ${version("jinja")}`,
    cases,
  }, null, 1).replace(/\[\s+([\d,\s]*?)\s+\]/g, (_, ids) => `[${ids.replace(/\s+/g, "")}]`) + "\n");
  console.log(`${path}: ${cases.length} prompts`);
}
