// Reference ids for tests/golden/hf_tokenizers (chat-templated prompts: make_prompt_golden.mjs):
// encodes corpus.json with each fixture's
// tokenizer.json (and with GPT-2's full vocabulary from resources/gpt2-tokenizer) using
// @huggingface/tokenizers, the pure-JavaScript port of Hugging Face's tokenizers, pinned by
// package-lock.json. Writes <family>/golden.json and gpt2_golden.json. Run tests/js/setup.sh once,
// then: node tests/js/make_hf_golden.mjs
//
// Two places where this library (0.2.0) departs from the Rust library that produced the hub's ids
// are corrected here, each on the library's own objects, and the golden file lists how many texts
// each correction changed:
//  - Digits splits on JavaScript's \d (ASCII 0-9); Rust's Digits splits on char::is_numeric, which
//    is Unicode N* ("١٢٣", "½", "Ⅻ" are digits too).
//  - ByteLevel's built-in GPT-2 pattern uses JavaScript's \s (takes U+FEFF, misses U+0085);
//    Rust compiles it with Oniguruma, whose \s is Unicode White_Space. (Split patterns from the
//    file are already rewritten that way by the library.)
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Tokenizer,
  DigitsPreTokenizer,
  ByteLevelPreTokenizer,
  SequencePreTokenizer,
} from "@huggingface/tokenizers";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const goldenDir = join(root, "tests", "golden", "hf_tokenizers");
const library = JSON.parse(readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), "node_modules", "@huggingface", "tokenizers",
       "package.json"), "utf8"));

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const corpus = readJson(join(goldenDir, "corpus.json")).texts;

const GPT2_PATTERN_ONIGURUMA =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

function preTokenizers(step) {
  if (!step) return [];
  if (step instanceof SequencePreTokenizer) return step.tokenizers.flatMap(preTokenizers);
  return [step];
}

function patchToRustBehaviour(tokenizer) {
  for (const step of preTokenizers(tokenizer.pre_tokenizer)) {
    if (step instanceof DigitsPreTokenizer)
      step.pattern = step.config.individual_digits ? /[^\p{N}]+|\p{N}/gu : /[^\p{N}]+|\p{N}+/gu;
    if (step instanceof ByteLevelPreTokenizer) step.pattern = GPT2_PATTERN_ONIGURUMA;
  }
}

function golden(name, tokenizerJson, config) {
  const patched = new Tokenizer(tokenizerJson, config);
  patchToRustBehaviour(patched);
  const unpatched = new Tokenizer(tokenizerJson, config);
  let changedByPatches = 0;
  const cases = corpus.map((text) => {
    const ids = patched.encode(text, { add_special_tokens: false }).ids;
    const plain = unpatched.encode(text, { add_special_tokens: false }).ids;
    if (JSON.stringify(ids) !== JSON.stringify(plain)) ++changedByPatches;
    const entry = { text, ids };
    const normalized = patched.normalizer ? patched.normalizer(text) : text;
    if (normalized !== text) entry.normalized = normalized;
    return entry;
  });
  return {
    generator: "tests/js/make_hf_golden.mjs",
    library: `${library.name} ${library.version}`,
    tokenizer: name,
    texts_changed_by_rust_corrections: changedByPatches,
    prefix_ids: patched.encode("", { add_special_tokens: true }).ids,
    cases,
  };
}

function write(path, value) {
  writeFileSync(path, JSON.stringify(value, null, 0).replace(/\},\{"text"/g, '},\n{"text"') + "\n");
  console.log(`${path}: ${value.cases.length} texts, ${value.texts_changed_by_rust_corrections} ` +
    `changed by the Rust corrections, prefix ${JSON.stringify(value.prefix_ids)}`);
}

for (const family of ["smollm2", "qwen2", "llama3"]) {
  const dir = join(goldenDir, family);
  const result = golden(family, readJson(join(dir, "tokenizer.json")),
                        readJson(join(dir, "tokenizer_config.json")));
  write(join(dir, "golden.json"), result);
}

// GPT-2 as its hub tokenizer.json declares it, from the committed vocab.json + merges.txt.
const gpt2Dir = join(root, "resources", "gpt2-tokenizer");
const vocab = readJson(join(gpt2Dir, "vocab.json"));
const merges = readFileSync(join(gpt2Dir, "merges.txt"), "utf8").split("\n").slice(1).filter((l) => l);
const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
const gpt2 = {
  version: "1.0",
  added_tokens: [{ id: 50256, content: "<|endoftext|>", single_word: false, lstrip: false,
                   rstrip: false, normalized: true, special: true }],
  normalizer: null,
  pre_tokenizer: byteLevel,
  post_processor: byteLevel,
  decoder: byteLevel,
  model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "",
           end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, vocab, merges },
};
write(join(goldenDir, "gpt2_golden.json"), golden("gpt2", gpt2, { eos_token: "<|endoftext|>" }));
