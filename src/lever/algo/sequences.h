// Training sequences for truncated back-propagation through time. A rollout of T steps from N
// envs is split per env at episode ends (the rollout's end is a split too), each piece is cut
// into sequences of at most sequence_length steps, and the sequences are padded to the longest
// one actually present. Each sequence later starts from the recurrent state recorded at its
// first step, so no sequence ever mixes two episodes.
#pragma once
#include <cstdint>
#include <vector>

namespace lever {

struct SequenceIndex {
  int64_t num_sequences = 0;
  int64_t length = 0;  // padded length L: the longest sequence present
  // Row s·L + j: the rollout index (t·N + env) of step j of sequence s, or `padding` (T·N)
  // after the sequence's end.
  std::vector<int64_t> steps;
  std::vector<uint8_t> mask;     // row s·L + j: 1 for a real step, 0 for padding
  std::vector<int64_t> starts;   // per sequence: rollout index of its first step
  std::vector<int64_t> lengths;  // per sequence: real steps
  int64_t padding = 0;           // T·N: a row index past the rollout, holding zeros
};

// episode_ended: [T, N] row-major, nonzero where the env's episode ended at that step
// (terminated or truncated). sequence_length ≤ 0 keeps whole episodes (up to the rollout's ends).
SequenceIndex split_sequences(const std::vector<uint8_t>& episode_ended, int64_t num_steps,
                              int64_t num_envs, int64_t sequence_length);

// The rows of the given sequences (in the order given): each sequence's L rows of `steps` (or of
// `mask`), concatenated.
std::vector<int64_t> sequence_rows(const SequenceIndex& index, const std::vector<int64_t>& which);

}  // namespace lever
