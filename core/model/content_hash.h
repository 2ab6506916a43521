// Content hashes of files, the identity of a checkpoint: the same model.safetensors bytes always
// give the same hash, whatever folder they sit in. Torch-free public header of core.
#pragma once

#include <string>

namespace prefstudio {

// Lower-case hex SHA-256 of the file's bytes (OpenSSL EVP). Throws FormatError naming the file when
// it cannot be read.
std::string sha256_file(const std::string& path);

// Lower-case hex SHA-256 of `bytes` (e.g. a cache key's canonical text).
std::string sha256_hex(const std::string& bytes);

}  // namespace prefstudio
