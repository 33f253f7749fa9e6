#include "lever/nn/action_heads.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "lever/core/errors.h"

namespace lever {
namespace {

// Draws from one categorical given as log-probabilities; argmax when deterministic.
int64_t draw(const float* row, int64_t size, Rng& rng, bool deterministic) {
  if (deterministic) return std::max_element(row, row + size) - row;
  double u = rng.uniform();
  for (int64_t a = 0; a < size; ++a) {
    u -= std::exp(static_cast<double>(row[a]));
    if (u < 0) return a;
  }
  return size - 1;  // the probabilities summed to just under 1
}

std::vector<int64_t> sizes_of(const EnvSpec& spec) {
  if (spec.action_nvec.empty()) return {spec.num_actions};
  return {spec.action_nvec.begin(), spec.action_nvec.end()};
}

}  // namespace

ActionHeads::ActionHeads(const EnvSpec& spec) : ActionHeads(sizes_of(spec)) {}

ActionHeads::ActionHeads(std::vector<int64_t> sizes) : sizes_(std::move(sizes)) {
  if (sizes_.empty()) throw UsageError("an action space needs at least one sub-action");
  int64_t offset = 0;
  for (int64_t size : sizes_) {
    if (size < 1)
      throw UsageError("a sub-action needs at least one choice, got " + std::to_string(size));
    offsets_.push_back(offset);
    offset += size;
  }
  strides_.assign(sizes_.size(), 1);
  for (size_t i = sizes_.size() - 1; i > 0; --i) strides_[i - 1] = strides_[i] * sizes_[i];
}

int64_t ActionHeads::num_logits() const {
  int64_t total = 0;
  for (int64_t size : sizes_) total += size;
  return total;
}

torch::Tensor ActionHeads::log_probs(const torch::Tensor& logits) const {
  if (!multi()) return torch::log_softmax(logits, 1);
  std::vector<torch::Tensor> heads;
  heads.reserve(sizes_.size());
  for (size_t i = 0; i < sizes_.size(); ++i) {
    heads.push_back(torch::log_softmax(logits.narrow(1, offsets_[i], sizes_[i]), 1));
  }
  return torch::cat(heads, 1);
}

torch::Tensor ActionHeads::log_prob_of(const torch::Tensor& log_probs,
                                       const torch::Tensor& actions) const {
  if (!multi()) return log_probs.gather(1, actions.unsqueeze(1)).squeeze(1);
  std::vector<torch::Tensor> columns;
  columns.reserve(sizes_.size());
  for (size_t i = 0; i < sizes_.size(); ++i) {
    columns.push_back(actions.div(strides_[i], "floor").remainder(sizes_[i]).add(offsets_[i]));
  }
  return log_probs.gather(1, torch::stack(columns, 1)).sum(1);
}

void ActionHeads::sample(const torch::Tensor& log_probs, Rng& rng, bool deterministic,
                         int64_t* actions, float* action_logprobs) const {
  const int64_t rows = log_probs.size(0), width = log_probs.size(1);
  const float* lp = log_probs.data_ptr<float>();
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = lp + r * width;
    if (!multi()) {
      const int64_t chosen = draw(row, width, rng, deterministic);
      actions[r] = chosen;
      action_logprobs[r] = row[chosen];
      continue;
    }
    int64_t action = 0;
    float logprob = 0.0f;
    for (size_t i = 0; i < sizes_.size(); ++i) {
      const int64_t chosen = draw(row + offsets_[i], sizes_[i], rng, deterministic);
      action += chosen * strides_[i];
      logprob += row[offsets_[i] + chosen];
    }
    actions[r] = action;
    action_logprobs[r] = logprob;
  }
}

std::vector<int64_t> ActionHeads::columns(int64_t action) const {
  if (!multi()) return {action};
  std::vector<int64_t> out;
  for (size_t i = 0; i < sizes_.size(); ++i)
    out.push_back((action / strides_[i]) % sizes_[i] + offsets_[i]);
  return out;
}

}  // namespace lever
