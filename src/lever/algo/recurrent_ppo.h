// Recurrent PPO: PPO with a GRU/LSTM policy trained by truncated back-propagation through time,
// as the recurrent-ppo-truncated-bptt reference does it. The pieces tests reach are declared
// here; run_recurrent_ppo is the algorithm.
#pragma once
#include <vector>

#include "lever/algo/on_policy.h"
#include "lever/algo/ppo_loss.h"
#include "lever/algo/sequences.h"

namespace lever {

// A rollout plus what truncated BPTT needs: the recurrent state fed into every step, and one
// zero observation after the rollout's T·N observations that padded sequence rows point at.
struct RecurrentRollout {
  RecurrentRollout(int64_t num_steps, int64_t num_envs, const EnvSpec& spec,
                   const torch::Device& device, int64_t hidden_state_size, bool lstm);
  Rollout steps;             // steps.obs is a [T, N, ...] view of padded_obs
  torch::Tensor padded_obs;  // [T·N + 1, obs...]
  torch::Tensor hidden, cell;  // [T, N, H] on the device; cell only for an LSTM
};

// Steps the envs num_steps times from `state` (the envs' recurrent state, carried from rollout to
// rollout), recording the state fed into each step before stepping. After each env step the
// policy zeroes the state of finished episodes when it resets between episodes; truncated
// episodes bootstrap from their final observation with the state before that reset. Then GAE.
EpisodeTotals collect_recurrent_rollout(RecurrentActorCritic& net, VecEnv& envs,
                                        RecurrentRollout& rollout, RecurrentState& state,
                                        Rng& action_rng, RewardNormalizer* normalizer,
                                        double reward_scale, double gamma, double gae_lambda,
                                        const torch::Device& device);

// The rollout as flat tensors on the device, in rollout-index order (t·N + env).
struct FlatRollout {
  torch::Tensor obs;  // padded_obs: T·N rows then the zero row
  torch::Tensor hidden, cell;  // [T·N, H]
  torch::Tensor actions, logprobs, values, advantages, returns;  // [T·N]
  ActionHeads heads;
};
FlatRollout flatten_rollout(const RecurrentRollout& rollout, const torch::Device& device);

// Sequences of a rollout with its row tables on the device.
struct DeviceSequences {
  SequenceIndex index;
  torch::Tensor steps, mask, starts;  // int64 [S·L], bool [S·L], int64 [S]
};
DeviceSequences split_rollout(const RecurrentRollout& rollout, int64_t sequence_length,
                              const torch::Device& device);

// PPO's loss on a minibatch of whole sequences: the network runs over the padded batch from each
// sequence's recorded start state, and every loss term (advantage normalisation included) uses
// the real steps only.
PpoLoss sequence_minibatch_loss(RecurrentActorCritic& net, const FlatRollout& rollout,
                                const DeviceSequences& sequences,
                                const std::vector<int64_t>& which, const PpoLossSettings& settings);

TrainResult run_recurrent_ppo(const Config& config, const RunPaths& paths,
                              const TrainingState* resume_from, const TrainOptions& options);

}  // namespace lever
