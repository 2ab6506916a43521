#include "core/dist/data_parallel_group.h"

#include "core/dist/collective.h"

namespace prefstudio {

std::shared_ptr<DataParallelGroup> DataParallelGroup::join(const DistributedEnv& env,
                                                           double timeout_seconds) {
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000.0));
  return std::make_shared<DataParallelGroup>(connect_gloo_collective(env, timeout));
}

DataParallelGroup::DataParallelGroup(std::unique_ptr<Collective> collective)
    : collective_(std::move(collective)) {}

DataParallelGroup::~DataParallelGroup() = default;

int DataParallelGroup::rank() const { return collective_->rank(); }
int DataParallelGroup::world_size() const { return collective_->world_size(); }
Collective& DataParallelGroup::collective() const { return *collective_; }

}  // namespace prefstudio
