// Must NOT link: Debian puts ATen's headers on the default include path (/usr/include/ATen), so
// `#include <ATen/ATen.h>` compiles anywhere, but the GUI's libraries (ui, db, Qt) bring no torch
// library: a torch call from ui/ or app/gui fails at link time. The test
// "layering_torch_calls_do_not_link_into_the_gui" builds this program and expects that failure
// (or, where ATen's headers are not on the default path, the include's).
#include <ATen/ATen.h>

int main() { return static_cast<int>(at::zeros({1}).numel()); }
