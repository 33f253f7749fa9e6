#include "lever/algo/sequences.h"

#include <algorithm>
#include <stdexcept>

namespace lever {

SequenceIndex split_sequences(const std::vector<uint8_t>& episode_ended, int64_t num_steps,
                              int64_t num_envs, int64_t sequence_length) {
  if (static_cast<int64_t>(episode_ended.size()) != num_steps * num_envs) {
    throw std::invalid_argument("split_sequences: episode_ended must hold num_steps × num_envs");
  }
  SequenceIndex index;
  index.padding = num_steps * num_envs;
  // First pass: each sequence's env, first step and length.
  std::vector<int64_t> envs, first_steps;
  for (int64_t env = 0; env < num_envs; ++env) {
    int64_t piece_start = 0;
    for (int64_t t = 0; t < num_steps; ++t) {
      const bool piece_ends = episode_ended[t * num_envs + env] != 0 || t == num_steps - 1;
      if (!piece_ends) continue;
      const int64_t piece_length = t + 1 - piece_start;
      const int64_t cut = sequence_length > 0 ? sequence_length : piece_length;
      for (int64_t offset = 0; offset < piece_length; offset += cut) {
        envs.push_back(env);
        first_steps.push_back(piece_start + offset);
        index.lengths.push_back(std::min(cut, piece_length - offset));
      }
      piece_start = t + 1;
    }
  }
  index.num_sequences = static_cast<int64_t>(envs.size());
  for (int64_t length : index.lengths) index.length = std::max(index.length, length);
  index.steps.assign(index.num_sequences * index.length, index.padding);
  index.mask.assign(index.num_sequences * index.length, 0);
  for (int64_t s = 0; s < index.num_sequences; ++s) {
    index.starts.push_back(first_steps[s] * num_envs + envs[s]);
    for (int64_t j = 0; j < index.lengths[s]; ++j) {
      index.steps[s * index.length + j] = (first_steps[s] + j) * num_envs + envs[s];
      index.mask[s * index.length + j] = 1;
    }
  }
  return index;
}

std::vector<int64_t> sequence_rows(const SequenceIndex& index, const std::vector<int64_t>& which) {
  std::vector<int64_t> rows;
  rows.reserve(which.size() * index.length);
  for (int64_t s : which) {
    for (int64_t j = 0; j < index.length; ++j) rows.push_back(s * index.length + j);
  }
  return rows;
}

}  // namespace lever
