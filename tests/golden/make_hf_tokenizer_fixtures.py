#!/usr/bin/python3
"""Writes the small Hugging Face tokenizer.json fixtures of tests/golden/hf_tokenizers/.

Three families, each as its hub tokenizer.json declares its pipeline (pre-tokenizer pattern
strings, normalizer, post-processor, added tokens, tokenizer_config.json with eos_token and the
chat_template the family ships), but over a small vocabulary: GPT-2's byte symbols and the results
of its first MERGES merges (resources/gpt2-tokenizer), renumbered densely. The Llama 3 fixture also
gets a few whole-word tokens that no kept merge makes, so that ignore_merges changes ids.

Also writes corpus.json: the texts of tests/golden/bpe_golden.json (the GPT-2 golden corpus,
minus texts holding an added token's text, which Hugging Face would split out as special tokens
while our encode() is literal) plus the hard cases below. tests/js/make_hf_golden.mjs then encodes
the corpus with @huggingface/tokenizers and writes each family's golden.json.

Usage: /usr/bin/python3 tests/golden/make_hf_tokenizer_fixtures.py
"""
import json
import os
import unicodedata
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GPT2_DIR = os.path.join(ROOT, "resources", "gpt2-tokenizer")
OUT = os.path.join(ROOT, "tests", "golden", "hf_tokenizers")
MERGES = 3000

# The hub files' own pattern strings (Qwen2.5 and Llama 3 differ only in \p{N} vs \p{N}{1,3}).
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"
                 r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}"
                  r"\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

# Whole words the Llama 3 fixture knows as tokens although no kept merge spells them.
LLAMA3_WHOLE_WORDS = ["ĠPreference", "ĠStudio", "Ġtokenizer", "Ġunbelievable", "Ġhello",
                      "Hello", "Ġvocabulary", "202", "DON", "ĠDON"]

SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
    "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
    "{% endif %}")
# Qwen2.5-Instruct's template as the hub ships it (tool-calling branches included).
QWEN2_TEMPLATE = (Path(__file__).parent / "chat_templates" / "qwen2.5-instruct.jinja").read_text()
LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim"
    " + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    "{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant"
    "<|end_header_id|>\n\n' }}{% endif %}")

HARD_CASES = [
    "I'LL DON'T WE'RE THEY'VE SHE'S I'M HE'D", "i'Ll DoN'T", "'S 'T 'RE",
    "7", "42", "123", "2024", "12345", "123456", "1234567", "a1b22c333d4444",
    "1,234,567", "3.14159", "1_000_000", "$1,299.99", "10:45:30", "+1 (555) 010-9999",
    "١٢٣٤٥ ٦٧٨", "Ⅻ ½ ² ③", "漢字かな交じり文、カタカナ。", "你好，世界！123", "한국어 텍스트",
    "مرحبا بالعالم ١٢٣", "שָׁלוֹם", "👨‍👩‍👧‍👦 family", "👍🏽👍🏿 thumbs", "🏳️‍🌈 flag",
    "e\u0301 vs \u00e9", "cafe\u0301 cafe\u0301s CAFE\u0301", "\u00c5ngstro\u0308m \u212b",
    "n\u0303o\u0308\u0301", "\u1100\u1161\u11a8 jamo", "\tx\t\ty", "a\r\nb\r\n\r\nc", "\r\r\n\n",
    "line\n\n\n  x", "\n\n\n  x", "trailing spaces   ", "   leading spaces", " ", "  ", "\n",
    "!!!???...,,,", "--- *** ###", "...?!", "a--b__c", "((()))[[]]{{}}",
    "def f(x):\n\treturn x**2  # square\n", "for (int i = 0; i < n; ++i) { s += a[i]; }",
    "if x != None and y >= 3: print(f\"{x!r}\")", "<div class=\"a\">&nbsp;</div>",
    "SELECT * FROM t WHERE id=42;", "https://example.com/a?b=1&c=2#frag",
    "Preference Studio tokenizer unbelievable hello vocabulary 2024 202", "Hello hello HELLO",
    " Preference Studio", "DON DON'T", "x\u00a0y\u2003z\u3000w", "a\u0085b\u180ec\ufeffd",
    "ﬁ ﬂ ＡＢＣ １２３", "Ǆ ǅ ǆ", "ſ 'ſ \u212a",
]


def bytes_to_unicode():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) +
          list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def small_vocab():
    with open(os.path.join(GPT2_DIR, "merges.txt"), encoding="utf-8") as f:
        lines = [line for line in f.read().split("\n")[1:] if line]
    merges = [tuple(line.split(" ")) for line in lines[:MERGES]]
    vocab = {}
    for symbol in bytes_to_unicode():
        vocab[symbol] = len(vocab)
    for left, right in merges:
        vocab.setdefault(left + right, len(vocab))
    return vocab, merges


def added(content, token_id, special=True):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": not special, "special": special}


def byte_level(use_regex, trim_offsets=False):
    return {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": trim_offsets,
            "use_regex": use_regex}


def model(vocab, merges, as_pairs, ignore_merges):
    return {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
            "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
            "ignore_merges": ignore_merges, "vocab": vocab,
            "merges": [list(m) if as_pairs else " ".join(m) for m in merges]}


def smollm2(vocab, merges):
    vocab = dict(vocab)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<repo_name>", "<file_sep>"]
    tokens = []
    for content in specials:  # SmolLM2 keeps its specials in model.vocab too
        vocab[content] = len(vocab)
        tokens.append(added(content, vocab[content]))
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": tokens,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True}, byte_level(True, True)]},
        "post_processor": byte_level(True, False) | {"add_prefix_space": True},
        "decoder": byte_level(True, True),
        "model": model(vocab, merges, as_pairs=False, ignore_merges=False)}
    config = {"add_prefix_space": False, "bos_token": "<|im_start|>", "eos_token": "<|im_end|>",
              "pad_token": "<|im_end|>", "unk_token": "<|endoftext|>",
              "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
              "chat_template": SMOLLM2_TEMPLATE, "clean_up_tokenization_spaces": False,
              "model_max_length": 8192, "tokenizer_class": "GPT2Tokenizer"}
    return tokenizer, config


def qwen2(vocab, merges):
    next_id = len(vocab)
    tokens = []
    for content, special in [("<|endoftext|>", True), ("<|im_start|>", True),
                             ("<|im_end|>", True), ("<|object_ref_start|>", True),
                             ("<tool_call>", False), ("</tool_call>", False)]:
        tokens.append(added(content, next_id, special))
        next_id += 1
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": tokens,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_PATTERN}, "behavior": "Isolated",
             "invert": False}, byte_level(False)]},
        "post_processor": byte_level(False),
        "decoder": byte_level(False),
        "model": model(vocab, merges, as_pairs=True, ignore_merges=False)}
    config = {"add_bos_token": False, "add_prefix_space": False,
              "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
              "bos_token": None, "chat_template": QWEN2_TEMPLATE,
              "clean_up_tokenization_spaces": False, "eos_token": "<|im_end|>",
              "errors": "replace", "model_max_length": 131072, "pad_token": "<|endoftext|>",
              "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer",
              "unk_token": None}
    return tokenizer, config


def llama3(vocab, merges):
    vocab = dict(vocab)
    for word in LLAMA3_WHOLE_WORDS:
        assert word not in vocab, word
        vocab[word] = len(vocab)
    names = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
             "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>",
             "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
             "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"]
    names += ["<|reserved_special_token_%d|>" % i for i in range(3, 8)]
    tokens = [added(name, len(vocab) + i) for i, name in enumerate(names)]
    bos = tokens[0]["id"]
    template = {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                         {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                         {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {"<|begin_of_text|>": {
                    "id": "<|begin_of_text|>", "ids": [bos], "tokens": ["<|begin_of_text|>"]}}}
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": tokens,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated",
             "invert": False}, byte_level(False, True)]},
        "post_processor": {"type": "Sequence", "processors": [
            byte_level(True, False) | {"add_prefix_space": True}, template]},
        "decoder": byte_level(True, True),
        "model": model(vocab, merges, as_pairs=False, ignore_merges=True)}
    config = {"bos_token": "<|begin_of_text|>", "chat_template": LLAMA3_TEMPLATE,
              "clean_up_tokenization_spaces": True, "eos_token": "<|eot_id|>",
              "model_input_names": ["input_ids", "attention_mask"],
              "model_max_length": 1000000000000000019884624838656,
              "tokenizer_class": "PreTrainedTokenizerFast"}
    return tokenizer, config


def corpus():
    with open(os.path.join(ROOT, "tests", "golden", "bpe_golden.json"), encoding="utf-8") as f:
        texts = [case["text"] for case in json.load(f)["cases"]]
    texts += HARD_CASES
    texts += [unicodedata.normalize("NFD", t) for t in HARD_CASES if not t.isascii()]
    seen, out = set(), []
    for text in texts:
        if "<|" in text or "tool_call>" in text or "<repo_name>" in text or "<file_sep>" in text:
            continue  # Hugging Face splits added tokens out of text; our encode() is literal
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def write_json(path, value, indent=None):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=indent)
        f.write("\n")


def main():
    vocab, merges = small_vocab()
    for name, build in [("smollm2", smollm2), ("qwen2", qwen2), ("llama3", llama3)]:
        tokenizer, config = build(vocab, merges)
        os.makedirs(os.path.join(OUT, name), exist_ok=True)
        write_json(os.path.join(OUT, name, "tokenizer.json"), tokenizer)
        write_json(os.path.join(OUT, name, "tokenizer_config.json"), config, indent=2)
    write_json(os.path.join(OUT, "corpus.json"),
               {"generator": "tests/golden/make_hf_tokenizer_fixtures.py", "texts": corpus()},
               indent=0)


if __name__ == "__main__":
    main()
