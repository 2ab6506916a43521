// Durable writes: a file written, synced, renamed into place, and its folder synced, so that a
// power cut leaves the old file or the whole new one, never an empty or half one (rename alone
// orders nothing: the rename can reach the disk before the data). POSIX only. Torch-free header.
// db/ has its own copy (db/file_sync.h): the layers share no code.
#pragma once

#include <string>

namespace prefstudio {

// Flushes a file's data, or a folder's entries, to the disk (open + fsync). Throws FormatError
// naming `path` when it cannot be opened or synced. A file system that cannot sync this kind of
// file at all (EINVAL, e.g. some network or FUSE mounts for folders) is not an error.
void sync_path(const std::string& path);

// Renames `from` (a file or a folder, already written and closed) to `to` durably: syncs `from`,
// renames, then syncs the folder `to` is in. A folder's files must have been synced one by one
// before. Throws FormatError naming the paths.
void rename_durably(const std::string& from, const std::string& to);

// Puts the folder `from` (every file in it synced) in the place of the folder `to`, durably: a
// folder cannot be renamed over a non-empty one, so an old `to` is moved aside first and removed
// after. A crash between the two renames leaves the old folder complete under its ".old-" name.
// Throws FormatError naming the paths.
void replace_folder_durably(const std::string& from, const std::string& to);

// Writes `contents` to PATH.tmp, syncs it, renames it to PATH and syncs the folder, so a crash
// leaves the old file or the whole new one (tokenizer files, SFT JSONL, an RL run's state). Throws
// FormatError naming PATH on failure; the temporary file is removed then.
void write_file_durably(const std::string& path, const std::string& contents);

}  // namespace prefstudio
