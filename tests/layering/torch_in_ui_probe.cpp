// Must NOT compile: ui/ links core, and core links Torch PRIVATE, so torch's headers are not on
// ui's include path. The test "layering_torch_not_visible_to_ui" builds this and expects failure.
#include <torch/torch.h>

int probe() { return static_cast<int>(torch::ones({1}).size(0)); }
