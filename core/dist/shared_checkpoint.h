// Resuming a data-parallel run without a shared disk: rank 0 reads the checkpoint folder it
// resumes from and broadcasts its files; every other rank writes them into a temporary folder of
// its own and resumes from that, so hosts need no copy of the checkpoint. Internal header of core.
#pragma once

#include <string>

namespace prefstudio {

class Collective;

class SharedCheckpoint {
 public:
  // Every rank calls it with the same `dir` (empty: not resuming; nothing is sent). Rank 0 and a
  // single process read `dir` itself. Throws FormatError when rank 0 cannot read it, CoreError
  // when a rank cannot write its copy.
  SharedCheckpoint(const std::string& dir, Collective& collective);
  ~SharedCheckpoint();  // removes a received copy
  SharedCheckpoint(const SharedCheckpoint&) = delete;
  SharedCheckpoint& operator=(const SharedCheckpoint&) = delete;

  // The folder this rank reads the checkpoint from.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string received_root_;  // the temporary folder holding a received copy, if any
};

}  // namespace prefstudio
