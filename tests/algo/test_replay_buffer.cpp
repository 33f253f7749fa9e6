#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "lever/algo/replay_buffer.h"
#include "lever/core/errors.h"
#include "support/error_message.h"

namespace lever {
namespace {

// 8x8 images with a 4-frame stack: a "frame" is 64 pixels of one value, so every stored frame is
// recognisable by its value.
constexpr int kPixels = 64, kObsBytes = kPixels * 4;

EnvSpec stacked_spec() {
  EnvSpec spec;
  spec.id = "fake_stacked";
  spec.obs_shape = {8, 8, 4};
  spec.obs_type = ObsType::kU8Image;
  spec.num_actions = 6;
  spec.frame_stack = 4;
  return spec;
}

// An observation whose newest frame has `value` everywhere; older frames hold junk the buffer
// must never read (it keeps only the newest frame of each observation).
std::vector<uint8_t> observation(uint8_t value) {
  std::vector<uint8_t> obs(kObsBytes, 250);
  for (int p = 0; p < kPixels; ++p) obs[p * 4 + 3] = value;
  return obs;
}

// Frame f of a sampled [8, 8, 4] observation, or -1 when its pixels disagree.
int frame_value(const uint8_t* obs, int f) {
  for (int p = 1; p < kPixels; ++p) {
    if (obs[p * 4 + f] != obs[f]) return -1;
  }
  return obs[f];
}

// What the test wrote, in order: the oracle that sampled transitions are checked against.
struct WrittenFrame {
  uint8_t value;
  int episode, index;  // index within its episode
  bool has_transition = false, terminal = false;
  int64_t action = 0;
  float reward = 0.0f;
};

class ReplayOracle {
 public:
  ReplayOracle(int num_envs, int64_t capacity, const ReplayCompression& compression = {})
      : buffer_(capacity, num_envs, stacked_spec(), compression) {
    frames_.resize(num_envs);
    episode_.assign(num_envs, -1);
  }

  void start_episode(int env) {
    ++episode_[env];
    write(env, {next_value(), episode_[env], 0});
    buffer_.start_episode(env, observation(frames_[env].back().value).data());
  }
  void step(int env, int64_t action, float reward, bool terminal) {
    WrittenFrame& current = frames_[env].back();
    current.has_transition = true;
    current.terminal = terminal;
    current.action = action;
    current.reward = reward;
    write(env, {next_value(), episode_[env], current.index + 1});
    buffer_.add_step(env, action, reward, terminal, observation(frames_[env].back().value).data());
  }

  // The stack ending at frame `position` of env's history, oldest first, 0 for zero-fill; empty
  // when it needs a frame the ring has overwritten.
  std::vector<int> expected_stack(int env, int64_t position, int64_t capacity_per_env) const {
    const auto& history = frames_[env];
    const int64_t oldest = static_cast<int64_t>(history.size()) - capacity_per_env;
    std::vector<int> stack(4, 0);
    for (int back = 0; back < 4; ++back) {
      const int64_t p = position - back;
      if (back > 0 && history[position - back + 1].index == 0) break;  // episode start reached
      if (p < std::max<int64_t>(0, oldest)) return {};
      stack[3 - back] = history[p].value;
    }
    return stack;
  }

  // Every transition sample() may return: the ones whose frame is still stored, whose next frame
  // is written, and whose stack does not reach past the ring's oldest frame.
  std::set<int> valid_values(int64_t capacity_per_env) const {
    std::set<int> values;
    for (int env = 0; env < static_cast<int>(frames_.size()); ++env) {
      const auto& history = frames_[env];
      const int64_t oldest = std::max<int64_t>(0, history.size() - capacity_per_env);
      for (int64_t p = oldest; p + 1 < static_cast<int64_t>(history.size()); ++p) {
        if (history[p].has_transition && !expected_stack(env, p, capacity_per_env).empty()) {
          values.insert(history[p].value);
        }
      }
    }
    return values;
  }

  // Checks every sample of many batches against the history; returns the values sampled.
  std::set<int> check_samples(int64_t capacity_per_env, int batches, uint64_t seed) {
    Rng rng(seed);
    constexpr int kBatch = 16;
    std::vector<uint8_t> obs(kBatch * kObsBytes), next(kBatch * kObsBytes), real(kBatch);
    std::vector<int64_t> actions(kBatch);
    std::vector<float> rewards(kBatch), terminals(kBatch);
    const ReplayBatch batch{obs.data(),     next.data(),      actions.data(),
                            rewards.data(), terminals.data(), real.data()};
    std::set<int> seen;
    for (int b = 0; b < batches; ++b) {
      buffer_.sample(kBatch, rng, batch);
      for (int i = 0; i < kBatch; ++i) {
        const uint8_t* state = obs.data() + i * kObsBytes;
        const int newest = frame_value(state, 3);
        const auto [env, position] = locate(newest);
        if (env < 0) {
          ADD_FAILURE() << "sampled a frame never written: " << newest;
          return seen;
        }
        const WrittenFrame& frame = frames_[env][position];
        if (!frame.has_transition) {
          ADD_FAILURE() << "sampled an episode's final frame " << newest;
          return seen;
        }
        const std::vector<int> want = expected_stack(env, position, capacity_per_env);
        if (want.empty()) {
          ADD_FAILURE() << "stack of " << newest << " reaches overwritten frames";
          return seen;
        }
        const std::vector<int> want_next = expected_stack(env, position + 1, capacity_per_env);
        int zero_filled = 0;
        for (int f = 0; f < 4; ++f) {
          EXPECT_EQ(frame_value(state, f), want[f]) << "state of " << newest << " frame " << f;
          EXPECT_EQ(frame_value(next.data() + i * kObsBytes, f), want_next[f])
              << "next state of " << newest << " frame " << f;
          zero_filled += want[f] == 0;
        }
        EXPECT_EQ(real[i], 4 - zero_filled);
        EXPECT_EQ(actions[i], frame.action);
        EXPECT_EQ(rewards[i], frame.reward);
        EXPECT_EQ(terminals[i], frame.terminal ? 1.0f : 0.0f);
        seen.insert(newest);
      }
    }
    return seen;
  }

  ReplayBuffer& buffer() { return buffer_; }

 private:
  uint8_t next_value() {
    ++counter_;
    return static_cast<uint8_t>(counter_);  // 1..249: unique, never 0 (zero-fill), never 250
  }
  void write(int env, WrittenFrame frame) {
    frames_[env].push_back(frame);
    where_[frame.value] = {env, static_cast<int64_t>(frames_[env].size()) - 1};
  }
  std::pair<int, int64_t> locate(int value) const {
    const auto found = where_.find(value);
    return found == where_.end() ? std::pair<int, int64_t>{-1, 0} : found->second;
  }

  ReplayBuffer buffer_;
  std::vector<std::vector<WrittenFrame>> frames_;
  std::vector<int> episode_;
  std::map<int, std::pair<int, int64_t>> where_;
  int counter_ = 0;
};

TEST(ReplayBuffer, MemoryAccountingIsExactAndUnderTheDqnTarget) {
  EnvSpec atari;
  atari.id = "atari_like";
  atari.obs_shape = {84, 84, 4};
  atari.obs_type = ObsType::kU8Image;
  atari.num_actions = 18;
  atari.frame_stack = 4;
  const ReplayBuffer buffer(1000, 1, atari);
  // One 84x84 frame, a float reward, an action byte and a flags byte per transition.
  EXPECT_EQ(buffer.bytes_per_transition(), 84.0 * 84.0 + 4 + 1 + 1);
  EXPECT_EQ(buffer.bytes(), 1000u * 7062u);
  EXPECT_EQ(ReplayBuffer::bytes_for(1000, 1, atari), buffer.bytes());
  EXPECT_LE(buffer.bytes_per_transition(), 7100.0);  // 1M transitions ≈ 7 GB
  // Four envs split the capacity into equal rings; the remainder is not allocated.
  EXPECT_EQ(ReplayBuffer(1003, 4, atari).bytes(), 1000u * 7062u);
  EXPECT_EQ(ReplayBuffer::bytes_for(1003, 4, atari), 1000u * 7062u);
}

// Every behaviour holds for plain frames and for LZ4-compressed ones (at an assumed ratio of 1 the
// arena never runs short, so the two must agree exactly).
class ReplayStorage : public ::testing::TestWithParam<bool> {
 protected:
  ReplayCompression compression() const { return {GetParam(), 1.0}; }
};
INSTANTIATE_TEST_SUITE_P(PlainAndLz4, ReplayStorage, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Lz4" : "Plain"; });

TEST_P(ReplayStorage, StacksZeroFillAtEpisodeStartsAndNeverCrossThem) {
  ReplayOracle oracle(1, 100, compression());
  // Episode 0: 2 steps ending terminal; episode 1: 6 steps truncated; episode 2: 3 steps.
  oracle.start_episode(0);
  oracle.step(0, 1, 1.0f, false);
  oracle.step(0, 2, -1.0f, true);
  oracle.start_episode(0);
  for (int t = 0; t < 6; ++t) oracle.step(0, t % 6, 0.5f * t, false);
  oracle.start_episode(0);
  for (int t = 0; t < 3; ++t) oracle.step(0, 3, 0.0f, false);
  const std::set<int> seen = oracle.check_samples(100, 60, 1);
  // Every transition is sampleable here (nothing overwritten) and all get drawn.
  EXPECT_EQ(seen, oracle.valid_values(100));
  EXPECT_EQ(seen.size(), 2u + 6u + 3u);
}

TEST_P(ReplayStorage, FirstStateOfAnEpisodeHasThreeZeroFrames) {
  ReplayBuffer buffer(10, 1, stacked_spec(), compression());
  buffer.start_episode(0, observation(7).data());
  buffer.add_step(0, 5, 2.0f, true, observation(8).data());
  std::vector<uint8_t> obs(kObsBytes), next(kObsBytes), real(1);
  int64_t action = -1;
  float reward = 0, terminal = 0;
  Rng rng(3);
  buffer.sample(1, rng, {obs.data(), next.data(), &action, &reward, &terminal, real.data()});
  EXPECT_EQ(frame_value(obs.data(), 0), 0);
  EXPECT_EQ(frame_value(obs.data(), 1), 0);
  EXPECT_EQ(frame_value(obs.data(), 2), 0);
  EXPECT_EQ(frame_value(obs.data(), 3), 7);
  EXPECT_EQ(frame_value(next.data(), 2), 7);
  EXPECT_EQ(frame_value(next.data(), 3), 8);
  EXPECT_EQ(real[0], 1);
  EXPECT_EQ(action, 5);
  EXPECT_EQ(reward, 2.0f);
  EXPECT_EQ(terminal, 1.0f);
}

TEST_P(ReplayStorage, AfterWrapAroundStacksNeverReachOverwrittenFrames) {
  // 13 slots, one long episode and then short ones: the ring wraps several times; transitions
  // whose stacks would need overwritten frames must never be drawn, all others must be.
  constexpr int64_t kCapacity = 13;
  ReplayOracle oracle(1, kCapacity, compression());
  oracle.start_episode(0);
  for (int t = 0; t < 20; ++t) oracle.step(0, t % 6, static_cast<float>(t), false);
  std::set<int> seen = oracle.check_samples(kCapacity, 80, 2);
  EXPECT_EQ(seen, oracle.valid_values(kCapacity));
  // Oldest 3 stored frames cannot start a stack (their history is gone); the newest has no
  // successor: 13 - 3 - 1 transitions remain.
  EXPECT_EQ(seen.size(), 9u);

  oracle.step(0, 1, 1.0f, true);
  oracle.start_episode(0);
  oracle.step(0, 2, 0.0f, false);
  oracle.step(0, 2, 0.0f, false);
  seen = oracle.check_samples(kCapacity, 80, 3);
  EXPECT_EQ(seen, oracle.valid_values(kCapacity));
}

TEST_P(ReplayStorage, EnvsKeepSeparateRingsAndStacksNeverMixThem) {
  ReplayOracle oracle(3, 3 * 20, compression());
  for (int env = 0; env < 3; ++env) oracle.start_episode(env);
  for (int t = 0; t < 30; ++t) {
    for (int env = 0; env < 3; ++env) {
      const bool ends = (t + env) % 7 == 6;
      oracle.step(env, env, static_cast<float>(env), ends && env == 1);
      if (ends) oracle.start_episode(env);
    }
  }
  const std::set<int> seen = oracle.check_samples(20, 100, 4);
  EXPECT_EQ(seen, oracle.valid_values(20));
}

TEST_P(ReplayStorage, LifeLossTerminalsDoNotCutTheStack) {
  // A terminal transition inside an episode (terminal_on_life_loss) is stored as terminal, but
  // the frames after it still stack across it, as the env's own observation does.
  ReplayOracle oracle(1, 50, compression());
  oracle.start_episode(0);
  for (int t = 0; t < 4; ++t) oracle.step(0, 0, 0.0f, t == 1);
  oracle.check_samples(50, 30, 5);
  std::vector<uint8_t> obs(kObsBytes), next(kObsBytes);
  int64_t action;
  float reward, terminal;
  Rng rng(6);
  bool found_full_stack_after_terminal = false;
  for (int i = 0; i < 50; ++i) {
    oracle.buffer().sample(1, rng, {obs.data(), next.data(), &action, &reward, &terminal});
    if (frame_value(obs.data(), 3) == 4) {  // frame 3 of the episode, after the terminal at 1
      EXPECT_EQ(frame_value(obs.data(), 0), 1);
      found_full_stack_after_terminal = true;
    }
  }
  EXPECT_TRUE(found_full_stack_after_terminal);
}

TEST(ReplayBuffer, Lz4DropsTheOldestFramesWhenTheArenaRunsShort) {
  // At an assumed ratio of 32 the arena holds 100 × 64 / 32 = 200 bytes: ~16 compressed frames
  // of ~12 bytes, far fewer than the 100 slots. The ring keeps the newest that fit, and stacks
  // still never reach dropped frames.
  ReplayOracle oracle(1, 100, {true, 32.0});
  oracle.start_episode(0);
  for (int t = 0; t < 60; ++t) oracle.step(0, t % 6, static_cast<float>(t), t % 17 == 16);
  const int64_t stored = oracle.buffer().size() + 1;
  EXPECT_LT(stored, 30);
  EXPECT_GT(stored, 8);
  EXPECT_LT(oracle.buffer().bytes(), ReplayBuffer(100, 1, stacked_spec()).bytes() / 4);
  // 64 equal bytes compress to a handful.
  EXPECT_LT(oracle.buffer().mean_stored_frame_bytes(), 20.0);
  EXPECT_GT(oracle.buffer().mean_stored_frame_bytes(), 4.0);
  const std::set<int> seen = oracle.check_samples(stored, 60, 9);
  EXPECT_EQ(seen, oracle.valid_values(stored));
}

TEST(ReplayBuffer, Lz4RefusesAnArenaItsOffsetsCannotAddress) {
  EnvSpec atari = stacked_spec();
  atari.obs_shape = {84, 84, 4};
  // 1M frames of 7,056 bytes at an assumed ratio of 1: ~7 GB in one env's arena. Refused before
  // anything is allocated.
  EXPECT_THROW(ReplayBuffer(1000000, 1, atari, {true, 1.0}), UsageError);
}

TEST(ReplayBuffer, Lz4MemoryAccountingIsExact) {
  const ReplayBuffer buffer(1000, 2, stacked_spec(), {true, 4.0});
  // Per slot: action, reward, flags, arena offset and size; per env: 500 × 64 / 4 arena bytes.
  EXPECT_EQ(buffer.bytes(), 1000u * (1 + 4 + 1 + 4 + 2) + 2u * 500u * 64u / 4u);
  EXPECT_EQ(ReplayBuffer::bytes_for(1000, 2, stacked_spec(), {true, 4.0}), buffer.bytes());
}

TEST(ReplayBuffer, UnstackedObservationsAreStoredWhole) {
  EnvSpec vector_spec;
  vector_spec.id = "vector";
  vector_spec.obs_shape = {3};
  vector_spec.obs_type = ObsType::kF32;
  vector_spec.num_actions = 2;
  ReplayBuffer buffer(8, 1, vector_spec);
  EXPECT_EQ(buffer.bytes_per_transition(), 12.0 + 6.0);
  const float first[3] = {1.f, 2.f, 3.f}, second[3] = {4.f, 5.f, 6.f};
  buffer.start_episode(0, first);
  buffer.add_step(0, 1, 0.5f, false, second);
  float obs[3], next[3], reward, terminal;
  int64_t action;
  Rng rng(7);
  buffer.sample(1, rng,
                {reinterpret_cast<uint8_t*>(obs), reinterpret_cast<uint8_t*>(next), &action,
                 &reward, &terminal});
  EXPECT_EQ(obs[0], 1.f);
  EXPECT_EQ(obs[2], 3.f);
  EXPECT_EQ(next[0], 4.f);
  EXPECT_EQ(next[2], 6.f);
  EXPECT_EQ(action, 1);
  EXPECT_EQ(reward, 0.5f);
}

TEST(ReplayBuffer, RefusesImpossibleRequests) {
  EXPECT_THROW(ReplayBuffer(5, 1, stacked_spec()), UsageError);  // < frame_stack + 2 per env
  ReplayBuffer buffer(10, 1, stacked_spec());
  std::vector<uint8_t> obs(kObsBytes), next(kObsBytes);
  int64_t action;
  float reward, terminal;
  Rng rng(8);
  const ReplayBatch batch{obs.data(), next.data(), &action, &reward, &terminal};
  EXPECT_THROW(buffer.sample(1, rng, batch), RuntimeFailure);  // empty
  EXPECT_THROW(buffer.add_step(0, 0, 0.0f, false, observation(1).data()), RuntimeFailure);
  buffer.start_episode(0, observation(1).data());
  EXPECT_THROW(buffer.sample(1, rng, batch), RuntimeFailure);  // no transition yet
}

}  // namespace
}  // namespace lever
