#!/usr/bin/python3
"""Independent reference for the GPT-2 BPE tokenizer: writes tests/golden/bpe_golden.json.

OpenAI's GPT-2 encoder.py algorithm (bytes_to_unicode, get_pairs, the bpe() merge loop) re-typed
here, run on a corpus of hard strings (emoji with ZWJ and skin tones, CJK, Arabic, combining marks,
Hindi, whitespace runs, contractions, numbers, code, URLs) and on seeded random Unicode strings.
Nothing here shares code with the C++ tokenizer.

The GPT-2 split is done twice and must agree: with the `regex` module, as encoder.py does
(Debian: `apt-get install python3-regex`; only needed to regenerate this file, so it is not in
scripts/setup.sh), and with a hand-written scanner over `unicodedata` categories that follows the
same pattern alternative by alternative. Without `regex` the scanner alone is used.

Usage: /usr/bin/python3 tests/golden/make_bpe_golden.py [--vocab-dir DIR] [--out FILE]
       /usr/bin/python3 tests/golden/make_bpe_golden.py --bench TEXTFILE  (prints MB/s)
"""
import argparse
import json
import os
import random
import sys
import time
import unicodedata

try:
    import regex
except ImportError:  # the unicodedata scanner below still gives the reference split
    regex = None

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def bytes_to_unicode():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) +
          list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def get_pairs(word):
    pairs = set()
    prev_char = word[0]
    for char in word[1:]:
        pairs.add((prev_char, char))
        prev_char = char
    return pairs


# Unicode White_Space: what `\s` means in the `regex` module (and in Oniguruma).
WHITE_SPACE = set(chr(c) for c in list(range(0x09, 0x0E)) + [0x20, 0x85, 0xA0, 0x1680] +
                  list(range(0x2000, 0x200B)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000])


def is_space(c):
    return c in WHITE_SPACE


def is_letter(c):
    return unicodedata.category(c).startswith("L")


def is_number(c):
    return unicodedata.category(c).startswith("N")


def is_other(c):
    return not (is_space(c) or is_letter(c) or is_number(c))


def scan_split(text):
    """The GPT-2 pattern, alternative by alternative, with regex's backtracking done by hand."""
    pieces = []
    i, n = 0, len(text)

    def run(j, pred):
        while j < n and pred(text[j]):
            j += 1
        return j

    while i < n:
        end = None
        for c in ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d"):
            if text.startswith(c, i):
                end = i + len(c)
                break
        if end is None:
            for pred in (is_letter, is_number, is_other):  # ' ?\p{L}+', ' ?\p{N}+', ' ?[^...]+'
                start = i + 1 if text[i] == " " and i + 1 < n and pred(text[i + 1]) else i
                j = run(start, pred)
                if j > start:
                    end = j
                    break
        if end is None:  # text[i] is whitespace
            j = run(i, is_space)
            # '\s+(?!\S)': the whole run at the end of text, else the run minus its last
            # character when that leaves one or more; otherwise '\s+' takes the whole run.
            end = j if j == n or j - 1 == i else j - 1
        pieces.append(text[i:end])
        i = end
    return pieces


class Encoder:
    """encoder.py's Encoder: bpe() with its cache, encode() over the split."""

    def __init__(self, encoder, bpe_merges, split):
        self.encoder = encoder
        self.byte_encoder = bytes_to_unicode()
        self.bpe_ranks = dict(zip(bpe_merges, range(len(bpe_merges))))
        self.cache = {}
        self.split = split

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        pairs = get_pairs(word)
        if not pairs:
            return token
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except ValueError:
                    new_word.extend(word[i:])
                    break
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        word = " ".join(word)
        self.cache[token] = word
        return word

    def encode(self, text):
        bpe_tokens = []
        for token in self.split(text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            bpe_tokens.extend(self.encoder[bpe_token] for bpe_token in self.bpe(token).split(" "))
        return bpe_tokens


def load(vocab_dir, split):
    with open(os.path.join(vocab_dir, "vocab.json"), encoding="utf-8") as f:
        encoder = json.load(f)
    with open(os.path.join(vocab_dir, "merges.txt"), encoding="utf-8") as f:
        bpe_data = f.read()
    bpe_merges = [tuple(line.split()) for line in bpe_data.split("\n")[1:-1]]
    return Encoder(encoder, bpe_merges, split)


HARD_STRINGS = [
    "Hello", " world", "Hello world", "", " ", "  ", "a", "\n", "\n\n\n", "\t", "\t\t x",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure it's what they've said: we'll see, I'd say, you're right, don't.",
    "IT'S HE'D WE'LL YOU'RE THEY'VE I'M DON'T", "'s's 'S ''s 'tis 'twas rock'n'roll",
    "trailing spaces   ", "   leading spaces", "a  b   c    d", "tabs\tand\t\ttabs \t \n",
    "line one\nline two\n\nline four\r\nwindows\r\n", "  \n  \n\t\n", "end with newline\n",
    "numbers 123 4567 89012 3.14159 -42 1,000,000 1e-9 0x1F 2024-06-30",
    "١٢٣ ٤٥٦ Ⅻ ½ ² ③ 𝟘𝟙𝟚", "def f(x):\n    return x ** 2  # square\n\n\nprint(f(3))",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }", "<|endoftext|>", "a<|endoftext|>b",
    "https://example.com/path?q=1&r=two#frag user@example.org", "¯\\_(ツ)_/¯",
    "emoji 😀😃😄 👍🏽 👩‍👩‍👧‍👦 🏳️‍🌈 👨🏿‍💻 ❤️ 🇫🇷🇯🇵 #️⃣",
    "中文分词测试，这是一个句子。日本語のテキストです。한국어 문장입니다.",
    "العربية نص تجريبي، مع أرقام ١٢٣", "עברית עם ניקוד: שָׁלוֹם",
    "हिन्दी में लिखा गया वाक्य। नमस्ते", "ภาษาไทยไม่มีช่องว่าง", "Ελληνικά και русский текст",
    "combining: e\u0301 a\u0300\u0316 n\u0303 Z\u0351\u036b\u0343\u036a\u0302",
    "zalgo: H\u0335\u0321\u0322e\u0336\u035c\u0327l\u0337\u0328l\u0338o\u0334",
    "nbsp\u00a0here thin\u2009space ideographic\u3000space line\u2028sep para\u2029sep",
    "nel\u0085char zero\u200bwidth joiner\u200dx bom\ufeffy mongolian\u180evowel",
    "controls \x00\x01\x1c\x1d\x1e\x1f\x7f end", "\x0b\x0c vertical tab and form feed",
    "mixed: Hello, 世界! 123 😀 café naïve résumé Straße ǅ ǈ", "ﬁ ﬂ ligatures and ＦＵＬＬＷＩＤＴＨ",
    "𝒽𝑒𝓁𝓁𝑜 𝔀𝓸𝓻𝓵𝓭 𝐁𝐎𝐋𝐃", "!!!??? ... --- *** ///", " !!! ?? ,, .. ",
    "    indented code\n        deeper\n", "\n\n\n\n\n\n\n\n", " " * 40, "x" + " " * 17 + "y",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "ababababababababab", "===============================", "0000000000000000000000",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "SGVsbG8gd29ybGQhIFRoaXMgaXMgYmFzZTY0IGVuY29kZWQgdGV4dC4=",
    '{"key": "value", "list": [1, 2, 3], "nested": {"a": null}}',
    "<html><body class=\"main\">Text &amp; more</body></html>",
    "Ω≈ç√∫˜µ≤≥÷ åß∂ƒ©˙∆˚¬…æ œ∑´®†¥¨ˆøπ“‘ ¡™£¢∞§¶•ªº–≠",
    "x \u180ey x \x1cy x \x85y x\u3000 y",  # where the meaning of \s decides the split
    "汉字" * 600, "ab" * 700, "a\u0301" * 300,  # long words: the merge loop, not the cache
    "".join(chr(0x61 + (i * 7919) % 26) for i in range(3000)),
]


def random_strings(count, seed):
    """Seeded random strings from many scripts, with whitespace and punctuation mixed in."""
    rng = random.Random(seed)
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF),
              (0x590, 0x5FF), (0x600, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF),
              (0x2000, 0x206F), (0x2190, 0x23FF), (0x3000, 0x30FF), (0x4E00, 0x4FFF),
              (0xAC00, 0xAD00), (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF), (0x1F300, 0x1F64F),
              (0x1F900, 0x1F9FF)]
    extra = [" ", " ", "  ", "\n", "\n\n", "\t", "'s", "'t", "'re", "'ll", "\u200d", "\ufe0f",
             "\U0001F3FD", "0", "42", "\u0301"]

    def pick():
        if rng.random() < 0.3:
            return rng.choice(extra)
        while True:
            lo, hi = rng.choice(ranges)
            c = chr(rng.randint(lo, hi))
            if unicodedata.category(c) not in ("Cn", "Cs", "Co"):  # assigned in Unicode 14
                return c

    return ["".join(pick() for _ in range(rng.randint(1, 40))) for _ in range(count)]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--vocab-dir", default=os.path.join(here, "..", "..", "..", "shared",
                                                            "data", "gpt2-tokenizer"))
    parser.add_argument("--out", default=os.path.join(here, "bpe_golden.json"))
    parser.add_argument("--bench", help="a UTF-8 text file: print encode throughput and exit")
    args = parser.parse_args()

    split = regex.compile(GPT2_PATTERN).findall if regex else scan_split
    encoder = load(args.vocab_dir, split)
    if args.bench:
        with open(args.bench, encoding="utf-8") as f:
            text = f.read()
        wall, cpu = time.perf_counter(), time.process_time()
        ids = encoder.encode(text)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size_mb = len(text.encode("utf-8")) / 1e6
        print(f"{'python encoder.py (' + ('regex' if regex else 'scanner') + ')':28} "
              f"wall {wall:7.3f} s {size_mb / wall:8.2f} MB/s | cpu {cpu:7.3f} s "
              f"{size_mb / cpu:8.2f} MB/s | {len(ids):8d} tokens", flush=True)
        return

    texts = HARD_STRINGS + random_strings(300, seed=20240630)
    if regex:  # the two splits must agree before either is trusted
        for text in texts:
            a, b = split(text), scan_split(text)
            if a != b:
                sys.exit(f"split mismatch on {text!r}:\n regex   {a}\n scanner {b}")
    decoder = {v: k for k, v in encoder.encoder.items()}
    byte_decoder = {v: k for k, v in encoder.byte_encoder.items()}
    cases = []
    for text in texts:
        ids = encoder.encode(text)
        back = bytearray(byte_decoder[c] for i in ids for c in decoder[i]).decode("utf-8")
        assert back == text, f"reference round trip failed on {text!r}"
        cases.append({"text": text, "ids": ids})
    generator = ("tests/golden/make_bpe_golden.py: OpenAI encoder.py algorithm, split by " +
                 ("regex + unicodedata scanner (agreeing)" if regex else "unicodedata scanner"))
    with open(args.out, "w", encoding="utf-8") as f:  # one case per line: diffs stay readable
        f.write("{" + f'"generator": {json.dumps(generator)},\n')
        f.write(f'"unicode_version": {json.dumps(unicodedata.unidata_version)},\n"cases": [\n')
        f.write(",\n".join(json.dumps(case, ensure_ascii=True) for case in cases))
        f.write("\n]}\n")
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
