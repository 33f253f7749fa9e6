// Checkpoints must bring back every piece of training state bit for bit, restore a policy that acts
// exactly like the saved one, and refuse damaged or foreign files with one line naming the file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lever/algo/checkpoint.h"
#include "lever/algo/play.h"
#include "lever/algo/on_policy.h"
#include "lever/algo/train.h"
#include "lever/core/errors.h"
#include "lever/env/classic/cartpole.h"
#include "lever/log/crc32c.h"
#include "run_helpers.h"

namespace lever {
namespace {

using testing::read_file;
using testing::ScratchDir;
using testing::tiny_run_config;
using testing::write_file;

// Every field set to a value that differs from its default, so a field the loader skips shows.
TrainingState distinctive_state() {
  torch::manual_seed(123);
  TrainingState s;
  s.config = tiny_run_config().resolved();
  s.config[kReservedMetadataKey] = {{"version", "test"}, {"machine", {{"blas", "none"}}}};
  s.params = torch::randn({1234});
  s.adam_exp_avg = torch::randn({1234});
  s.adam_exp_avg_sq = torch::rand({1234});
  s.adam_steps = 4242;
  s.update = 17;
  s.global_step = 17 * 128;
  s.wall_seconds = 12.375;
  s.rng_states = {{1, 2, 3, 4}, {0xFFFFFFFFFFFFFFFFULL, 0, 0x8000000000000000ULL, 5}, {9, 8, 7, 6}};
  s.return_mean = -3.25;
  s.return_var = 0.1;
  s.return_count = 2049.0001;
  s.env_discounted_returns = {0.5f, -1.25f, 3.0e-7f, 1e6f};
  return s;
}

// Loads `file` expecting a CheckpointError whose message is one line naming the file.
void expect_checkpoint_error(const std::filesystem::path& file, const std::string& fragment) {
  try {
    load_checkpoint(file);
    ADD_FAILURE() << "loading " << file << " did not throw";
  } catch (const CheckpointError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

TEST(Checkpoint, RoundTripRestoresEveryField) {
  ScratchDir dir;
  const TrainingState saved = distinctive_state();
  save_checkpoint(dir / "state.pt", saved);
  const TrainingState loaded = load_checkpoint(dir / "state.pt");

  EXPECT_EQ(loaded.config, saved.config);
  EXPECT_TRUE(torch::equal(loaded.params, saved.params));
  EXPECT_TRUE(torch::equal(loaded.adam_exp_avg, saved.adam_exp_avg));
  EXPECT_TRUE(torch::equal(loaded.adam_exp_avg_sq, saved.adam_exp_avg_sq));
  EXPECT_EQ(loaded.params.scalar_type(), torch::kFloat32);
  EXPECT_EQ(loaded.adam_steps, 4242);
  EXPECT_EQ(loaded.update, 17);
  EXPECT_EQ(loaded.global_step, 17 * 128);
  EXPECT_EQ(loaded.wall_seconds, 12.375);
  EXPECT_EQ(loaded.rng_states, saved.rng_states);
  EXPECT_EQ(loaded.return_mean, -3.25);
  EXPECT_EQ(loaded.return_var, 0.1);
  EXPECT_EQ(loaded.return_count, 2049.0001);
  EXPECT_EQ(loaded.env_discounted_returns, saved.env_discounted_returns);
}

TEST(Checkpoint, EmptyRngAndReturnListsRoundTrip) {
  ScratchDir dir;
  TrainingState saved = distinctive_state();
  saved.rng_states.clear();
  saved.env_discounted_returns.clear();
  save_checkpoint(dir / "state.pt", saved);
  const TrainingState loaded = load_checkpoint(dir / "state.pt");
  EXPECT_TRUE(loaded.rng_states.empty());
  EXPECT_TRUE(loaded.env_discounted_returns.empty());
  EXPECT_EQ(loaded.update, 17);
}

TEST(Checkpoint, RestoredPolicyGivesIdenticalLogitsAndValues) {
  ScratchDir dir;
  const Config config = tiny_run_config();
  torch::manual_seed(5);
  ActorCritic net = make_actor_critic(config, CartPole().spec());
  net->flatten();
  {
    // Moves the weights away from any fresh initialisation, so only a real restore can match.
    torch::NoGradGuard no_grad;
    net->flat().values().add_(torch::randn_like(net->flat().values()) * 0.3);
  }
  TrainingState state = distinctive_state();
  state.config = config.resolved();
  state.params = net->flat().values().detach().clone();
  state.adam_exp_avg = torch::zeros_like(state.params);
  state.adam_exp_avg_sq = torch::zeros_like(state.params);
  save_checkpoint(dir / "policy.pt", state);

  const auto obs = torch::tensor({{0.01f, -0.2f, 0.03f, 0.4f},
                                  {-1.5f, 2.0f, -0.2f, -3.0f},
                                  {0.0f, 0.0f, 0.0f, 0.0f},
                                  {2.4f, 0.5f, 0.2f, 1.0f}});
  torch::NoGradGuard no_grad;
  const PolicyOutput expected = net->forward(obs);
  LoadedPolicy policy = load_policy(dir / "policy.pt", "cpu");
  EXPECT_EQ(policy.config.resolved(), config.resolved());
  EXPECT_EQ(policy.device, torch::Device(torch::kCPU));
  RecurrentState no_state;
  const PolicyOutput restored = policy.net->step(obs, no_state);
  ASSERT_EQ(restored.logits.sizes(), (std::vector<int64_t>{4, 2}));
  ASSERT_EQ(restored.values.sizes(), (std::vector<int64_t>{4}));
  EXPECT_TRUE(torch::equal(restored.logits, expected.logits));
  EXPECT_TRUE(torch::equal(restored.values, expected.values));

  torch::manual_seed(5);
  ActorCritic fresh = make_actor_critic(config, CartPole().spec());
  EXPECT_FALSE(torch::allclose(fresh->forward(obs).logits, expected.logits));
}

TEST(Checkpoint, PolicyWithWrongParameterCountIsRefused) {
  ScratchDir dir;
  TrainingState state = distinctive_state();  // 1234 params; the 64-64 net for CartPole has more
  save_checkpoint(dir / "mismatch.pt", state);
  try {
    load_policy(dir / "mismatch.pt", "cpu");
    ADD_FAILURE() << "a checkpoint whose params do not fit its config loaded";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "mismatch.pt").string()), std::string::npos);
  }
}

TEST(Checkpoint, MissingFileIsOneLineNamingIt) {
  ScratchDir dir;
  expect_checkpoint_error(dir / "never_written.pt", "no such checkpoint file");
}

TEST(Checkpoint, DirectoryIsNotACheckpointFile) {
  ScratchDir dir;
  expect_checkpoint_error(dir.path(), "no such checkpoint file");
}

TEST(Checkpoint, TruncatedFileIsOneLineNamingIt) {
  ScratchDir dir;
  save_checkpoint(dir / "whole.pt", distinctive_state());
  const std::string bytes = read_file(dir / "whole.pt");
  ASSERT_GT(bytes.size(), 1000u);
  write_file(dir / "half.pt", bytes.substr(0, bytes.size() / 2));
  expect_checkpoint_error(dir / "half.pt", "truncated");
}

TEST(Checkpoint, PlainTensorFileIsForeign) {
  ScratchDir dir;
  torch::save(torch::ones({3}), (dir / "tensor.pt").string());
  expect_checkpoint_error(dir / "tensor.pt", "not a lever checkpoint");
}

TEST(Checkpoint, TextFileIsForeign) {
  ScratchDir dir;
  write_file(dir / "notes.pt", "these are notes, not weights\nsecond line\n");
  expect_checkpoint_error(dir / "notes.pt", "checkpoint");
}

TEST(Checkpoint, EmptyFileIsForeign) {
  ScratchDir dir;
  write_file(dir / "empty.pt", "");
  expect_checkpoint_error(dir / "empty.pt", "checkpoint");
}

// A file with lever's tag whose fields are written here by hand: what a damaged or
// other-version checkpoint looks like to the loader.
void write_tagged_archive(const std::filesystem::path& file, const torch::Tensor& rng_states,
                          bool with_returns) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kCheckpointFormat)));
  archive.write("config", c10::IValue(std::string("{}")));
  archive.write("params", torch::zeros({3}));
  const float zeros[3] = {0.0f, 0.0f, 0.0f};
  archive.write("params_crc32c", c10::IValue(static_cast<int64_t>(crc32c(zeros, sizeof(zeros)))));
  archive.write("adam_exp_avg", torch::zeros({3}));
  archive.write("adam_exp_avg_sq", torch::zeros({3}));
  archive.write("adam_steps", c10::IValue(int64_t{1}));
  archive.write("update", c10::IValue(int64_t{1}));
  archive.write("global_step", c10::IValue(int64_t{8}));
  archive.write("wall_seconds", c10::IValue(1.0));
  archive.write("rng_states", rng_states);
  archive.write("return_stats", torch::tensor({0.0, 1.0, 1e-4}, torch::kFloat64));
  if (with_returns) archive.write("env_discounted_returns", torch::zeros({2}));
  archive.save_to(file.string());
}

TEST(Checkpoint, HandWrittenArchiveLoads) {
  ScratchDir dir;
  write_tagged_archive(dir / "ok.pt", torch::arange(8, torch::kInt64).view({2, 4}), true);
  const TrainingState loaded = load_checkpoint(dir / "ok.pt");
  ASSERT_EQ(loaded.rng_states.size(), 2u);
  EXPECT_EQ(loaded.rng_states[1], (Rng::State{4, 5, 6, 7}));
  EXPECT_EQ(loaded.global_step, 8);
}

TEST(Checkpoint, MissingFieldIsOneLineNamingIt) {
  ScratchDir dir;
  write_tagged_archive(dir / "old.pt", torch::zeros({1, 4}, torch::kInt64), false);
  expect_checkpoint_error(dir / "old.pt", "checkpoint");
}

// rng_states must be [n, 4] int64; anything else would be copied past the tensor's end.
TEST(Checkpoint, MisshapenRngStatesAreRefused) {
  ScratchDir dir;
  write_tagged_archive(dir / "flat_rng.pt", torch::arange(8, torch::kInt64), true);
  expect_checkpoint_error(dir / "flat_rng.pt", "checkpoint");
  write_tagged_archive(dir / "float_rng.pt", torch::zeros({2, 4}), true);
  expect_checkpoint_error(dir / "float_rng.pt", "checkpoint");
}

// The zip container does not check tensor bytes; the weights' own checksum must catch a flipped
// bit.
TEST(Checkpoint, FlippedWeightByteIsRefused) {
  ScratchDir dir;
  TrainingState state = distinctive_state();
  state.params = torch::arange(1000, torch::kFloat32) + 0.5f;  // a byte pattern easy to find
  save_checkpoint(dir / "good.pt", state);
  std::string bytes = read_file(dir / "good.pt");
  const float marker[4] = {100.5f, 101.5f, 102.5f, 103.5f};
  const auto at = bytes.find(std::string(reinterpret_cast<const char*>(marker), sizeof(marker)));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1] ^= 0x01;
  write_file(dir / "flipped.pt", bytes);
  expect_checkpoint_error(dir / "flipped.pt", "checksum");
  EXPECT_NO_THROW(load_checkpoint(dir / "good.pt"));
}

TEST(Checkpoint, SaveLeavesNoTempFileAndOverwrites) {
  ScratchDir dir;
  const auto file = dir / "nested" / "ckpt.pt";
  TrainingState first = distinctive_state();
  save_checkpoint(file, first);
  ASSERT_TRUE(std::filesystem::is_regular_file(file));
  EXPECT_EQ(testing::count_temp_files(dir.path()), 0);

  TrainingState second = distinctive_state();
  second.update = 18;
  second.global_step = 18 * 128;
  second.params = torch::full({7}, 2.5f);
  save_checkpoint(file, second);
  EXPECT_EQ(testing::count_temp_files(dir.path()), 0);
  int entries = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator(file.parent_path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);

  const TrainingState loaded = load_checkpoint(file);
  EXPECT_EQ(loaded.update, 18);
  EXPECT_EQ(loaded.global_step, 18 * 128);
  EXPECT_TRUE(torch::equal(loaded.params, torch::full({7}, 2.5f)));
}

TEST(Checkpoint, LatestPrefersFinalThenHighestUpdate) {
  ScratchDir dir;
  const TrainingState state = distinctive_state();
  EXPECT_THROW(latest_checkpoint(dir.path()), CheckpointError);
  save_checkpoint(dir / "checkpoints" / "update_00000002.pt", state);
  save_checkpoint(dir / "checkpoints" / "update_00000010.pt", state);
  write_file(dir / "checkpoints" / "notes.txt", "not a checkpoint");
  EXPECT_EQ(latest_checkpoint(dir.path()), dir / "checkpoints" / "update_00000010.pt");
  EXPECT_EQ(resolve_checkpoint(dir.path()), dir / "checkpoints" / "update_00000010.pt");
  save_checkpoint(dir / "final.pt", state);
  EXPECT_EQ(latest_checkpoint(dir.path()), dir / "final.pt");
  EXPECT_EQ(resolve_checkpoint(dir / "checkpoints" / "update_00000002.pt"),
            dir / "checkpoints" / "update_00000002.pt");
}

TEST(Checkpoint, ResolveNamesAMissingTarget) {
  ScratchDir dir;
  try {
    resolve_checkpoint(dir / "no_such_run");
    ADD_FAILURE() << "a missing target resolved";
  } catch (const CheckpointError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find((dir / "no_such_run").string()), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace lever
