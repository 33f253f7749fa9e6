#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "../algo/run_helpers.h"
#include "cli/cli_helpers.h"

namespace lever {
namespace {

using testing::CommandResult;
using testing::expect_mentions;
using testing::quoted;
using testing::read_file;
using testing::run_lever;
using testing::ScratchDir;

// A recurrent agent trained from the reference-format YAML, then watched: one line per episode,
// a summary, and a video holding one frame per step played.
TEST(CliEnjoy, WatchesARecurrentAgentAndPrintsEachEpisode) {
  ScratchDir dir;
  const CommandResult trained = run_lever(
      "train " + quoted(LEVER_SOURCE_DIR "/configs/recurrent/poc_memory.yaml") +
          " --run-dir " + quoted(dir / "run") + " --set num_updates=2 --set eval_episodes=2",
      dir.path());
  ASSERT_EQ(trained.exit_code, 0) << trained.err;

  const CommandResult watched =
      run_lever("enjoy " + quoted(dir / "run") + " --episodes 3 --seed 4 --out " +
                    quoted(dir / "watch.gif"),
                dir.path());
  ASSERT_EQ(watched.exit_code, 0) << watched.err;
  const std::regex episode_line(R"(episode (\d+): return (-?[0-9.]+), length (\d+))");
  int64_t episodes = 0, steps = 0;
  for (std::sregex_iterator it(watched.out.begin(), watched.out.end(), episode_line), end;
       it != end; ++it) {
    ++episodes;
    EXPECT_EQ(std::stoll((*it)[1]), episodes);
    steps += std::stoll((*it)[3]);
  }
  EXPECT_EQ(episodes, 3);
  expect_mentions(watched.out, "over 3 episodes; wrote " + std::to_string(steps) + " frames");
  EXPECT_EQ(read_file(dir / "watch.gif").substr(0, 6), "GIF89a");

  // Without --out the video goes into the run directory.
  const CommandResult default_out =
      run_lever("enjoy " + quoted(dir / "run" / "final.pt") + " --episodes 1", dir.path());
  ASSERT_EQ(default_out.exit_code, 0) << default_out.err;
  EXPECT_GT(read_file(dir / "run" / "enjoy.mp4").size(), 100u);
}

TEST(CliEnjoy, RefusesADirectoryWithoutACheckpoint) {
  ScratchDir dir;
  const CommandResult result = run_lever("enjoy " + quoted(dir.path()), dir.path());
  EXPECT_NE(result.exit_code, 0);
  EXPECT_FALSE(result.err.empty());
}

}  // namespace
}  // namespace lever
