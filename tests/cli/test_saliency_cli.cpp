#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "../algo/run_helpers.h"
#include "cli/cli_helpers.h"
#include "support/decode_video.h"

namespace lever {
namespace {

using testing::CommandResult;
using testing::decode_all;
using testing::expect_mentions;
using testing::expect_one_line;
using testing::quoted;
using testing::read_file;
using testing::read_json;
using testing::run_lever;
using testing::ScratchDir;

// A starpilot agent trained for one short update: enough for a checkpoint with pixel inputs.
std::filesystem::path train_starpilot(const ScratchDir& dir) {
  const CommandResult trained = run_lever(
      "train " + quoted(LEVER_SOURCE_DIR "/configs/starpilot_ppo_cpu.json") + " --run-dir " +
          quoted(dir / "agent") +
          " --quiet --set total_steps=256 --set num_envs=2 --set num_steps=128 "
          "--set minibatch_size=128 --set num_epochs=1 --set eval_every=0 --set eval_episodes=2 "
          "--set eval_num_envs=2 --set torch_threads=1",
      dir.path());
  EXPECT_EQ(trained.exit_code, 0) << trained.err;
  return dir / "agent";
}

uint32_t be32_at(const std::string& bytes, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3]));
}

// The numbers numpy reads from an .npy file: shape, dtype and the sum of the values.
std::string numpy_summary(const std::filesystem::path& path) {
  const std::string command = "/usr/bin/python3 -c \"import numpy; a = numpy.load('" +
                              path.string() +
                              "'); print(a.shape, a.dtype, int(numpy.isfinite(a).all()), "
                              "int((a >= 0).all()))\"";
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[256];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  pclose(pipe);
  return output;
}

TEST(CliSaliency, WritesAVideoAStripAndMapsNamedAfterItsSettingsAndNeverOverwrites) {
  ScratchDir dir;
  const auto agent = train_starpilot(dir);

  const CommandResult first = run_lever(
      "saliency " + quoted(agent) + " --steps 12 --seed 3 --save-maps " + quoted(dir / "m.npy"),
      dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string stem = "starpilot-perturbation-both-stride4-max-c1-sig0-seed3";
  const auto video = agent / "saliency" / (stem + ".mp4");
  expect_mentions(first.out, "wrote " + video.string() + " (12 frames)");

  // The video decodes (independently of lever's writer) to one 512x512 frame per step.
  const auto frames = decode_all(video);
  ASSERT_EQ(frames.size(), 12u);
  EXPECT_EQ(frames[0].width, 512);
  EXPECT_EQ(frames[0].height, 512);

  // The strip: 6 frames shrunk to 256x256, side by side.
  const std::string strip = read_file(agent / "saliency" / (stem + ".png"));
  ASSERT_GT(strip.size(), 24u);
  EXPECT_EQ(strip.substr(1, 3), "PNG");
  EXPECT_EQ(be32_at(strip, 16), 6u * 256u);  // a PNG's IHDR: width, then height
  EXPECT_EQ(be32_at(strip, 20), 256u);

  // Attention over the episode: an 800x400 plot.
  const std::string attention = read_file(agent / "saliency" / (stem + "-attention.png"));
  ASSERT_GT(attention.size(), 24u);
  EXPECT_EQ(be32_at(attention, 16), 800u);
  EXPECT_EQ(be32_at(attention, 20), 400u);

  // What was done, recorded beside the video.
  const auto summary = read_json(agent / "saliency" / (stem + ".json"));
  EXPECT_EQ(summary["steps"], 12);
  EXPECT_EQ(summary["frames"], 12);
  EXPECT_EQ(summary["method"], "perturbation");
  EXPECT_EQ(summary["stride"], 4);
  EXPECT_EQ(summary["actor_channel"], "blue");
  EXPECT_EQ(summary["strip_steps"], nlohmann::json({0, 2, 4, 6, 8, 11}));
  EXPECT_GT(summary["actor_peak"].get<double>(), 0.0);

  // numpy reads the maps: steps x (actor, critic) x 64 x 64 float32 scores, all finite, >= 0.
  EXPECT_EQ(numpy_summary(dir / "m.npy"), "(12, 2, 64, 64) float32 1 1\n");

  // The same command again: new files with a numbered suffix, the first ones untouched and
  // byte-identical to the new ones (same seed, same video).
  const std::string first_video = read_file(video);
  const CommandResult second = run_lever(
      "saliency " + quoted(agent) + " --steps 12 --seed 3 --save-maps " + quoted(dir / "m.npy"),
      dir.path());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto second_video = agent / "saliency" / (stem + "-1.mp4");
  expect_mentions(second.out, second_video.string());
  expect_mentions(second.out, (dir / "m-1.npy").string());
  EXPECT_EQ(read_file(video), first_video);
  EXPECT_EQ(read_file(second_video), first_video);
  EXPECT_EQ(read_file(dir / "m-1.npy"), read_file(dir / "m.npy"));
}

TEST(CliSaliency, GradientGifForOneTargetInItsChannel) {
  ScratchDir dir;
  const auto agent = train_starpilot(dir);
  const CommandResult result = run_lever(
      "saliency " + quoted(agent / "final.pt") +
          " --method gradient --target critic --channel green --mode mean --sigma 1.5 "
          "--steps 5 --strip-frames 2 --out " + quoted(dir / "critic.gif"),
      dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto frames = decode_all(dir / "critic.gif");
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(frames[0].width, 512);
  const auto summary = read_json(dir / "critic.json");
  EXPECT_EQ(summary["target"], "critic");
  EXPECT_EQ(summary["critic_channel"], "green");
  EXPECT_EQ(summary["sigma"], 1.5);
  EXPECT_EQ(summary["actor_peak"], 0.0);
  EXPECT_EQ(summary["strip_steps"], nlohmann::json({0, 4}));
}

TEST(CliSaliency, RefusesWhatItCannotExplainWithOneLine) {
  ScratchDir dir;
  const auto agent = train_starpilot(dir);
  const struct {
    std::string args, message;
  } cases[] = {
      {"--method occlusion", "method must be perturbation or gradient, got 'occlusion'"},
      {"--channel red", "with --target both the actor is drawn in blue"},
      {"--target value", "target must be actor, critic or both, got 'value'"},
      {"--out clip.avi", "expected a .mp4 or .gif file"},
      {"--save-maps maps.csv", "expected a .npy file"},
      {"--method gradient --per-channel", "--per-channel applies to --method perturbation"},
      {"--env cartpole", "differ from starpilot's"},
  };
  for (const auto& c : cases) {
    const CommandResult result = run_lever("saliency " + quoted(agent) + " " + c.args, dir.path());
    EXPECT_EQ(result.exit_code, 2) << c.args;
    expect_one_line(result.err);
    expect_mentions(result.err, c.message);
  }

  // An agent on vector observations has no pixels to explain.
  const CommandResult cartpole = run_lever(
      "train " + quoted(LEVER_SOURCE_DIR "/configs/cartpole_ppo.json") + " --quiet --run-dir " +
          quoted(dir / "cartpole") + " --set total_steps=512 --set num_envs=4 --set eval_episodes=2",
      dir.path());
  ASSERT_EQ(cartpole.exit_code, 0) << cartpole.err;
  const CommandResult vector_obs = run_lever("saliency " + quoted(dir / "cartpole"), dir.path());
  EXPECT_EQ(vector_obs.exit_code, 2);
  expect_mentions(vector_obs.err, "saliency needs image observations");
  EXPECT_FALSE(std::filesystem::exists(dir / "cartpole" / "saliency"));
}

}  // namespace
}  // namespace lever
