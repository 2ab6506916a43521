// bench_tokenizer's compiled reference: encodes a UTF-8 file with tiktoken's "gpt2" encoding (the
// npm package, Rust compiled to WASM) and writes the ids as little-endian uint32 for the caller
// to compare with ours. The ranks come from the package's own encoders/gpt2.json through
// tiktoken/lite, never from the network (the package's load() would fetch; it is not used).
// Prints one JSON line: tokens, and seconds to load the ranks and to encode (wall, and this
// process's user + system CPU: the steadier figure on a shared machine).
// Usage: node tiktoken_encode.cjs TEXT_FILE IDS_OUT_FILE
"use strict";
const fs = require("fs");
const path = require("path");

const [textPath, idsPath] = process.argv.slice(2);
if (!textPath || !idsPath) {
  console.error("usage: node tiktoken_encode.cjs TEXT_FILE IDS_OUT_FILE");
  process.exit(2);
}
// The package's exports hide its package.json from require().
function version() {
  const file = path.join(__dirname, "node_modules", "tiktoken", "package.json");
  return JSON.parse(fs.readFileSync(file, "utf8")).version;
}

const loadStart = process.hrtime.bigint();
const { Tiktoken } = require("tiktoken/lite");
const gpt2 = require("tiktoken/encoders/gpt2.json");
const encoding = new Tiktoken(gpt2.bpe_ranks, gpt2.special_tokens, gpt2.pat_str);
const text = fs.readFileSync(textPath, "utf8");
const encodeStart = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
const ids = encoding.encode_ordinary(text);  // Uint32Array; "<|endoftext|>" in text stays text
const cpu = process.cpuUsage(cpuStart);  // microseconds
const encodeEnd = process.hrtime.bigint();
fs.writeFileSync(idsPath, Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength));
encoding.free();
console.log(JSON.stringify({
  reference: "tiktoken " + version() + " gpt2 (Rust, WASM)",
  tokens: ids.length,
  load_s: Number(encodeStart - loadStart) / 1e9,
  encode_s: Number(encodeEnd - encodeStart) / 1e9,
  encode_cpu_s: (cpu.user + cpu.system) / 1e6,
}));
