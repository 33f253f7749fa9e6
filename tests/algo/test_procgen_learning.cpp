// PPO with the Nature CNN learns starpilot from pixels: after 250k steps on CPU its mean return on
// unseen levels clearly beats a uniformly random policy's (~1.5 in easy mode).
#include <gtest/gtest.h>

#include "lever/algo/play.h"
#include "lever/algo/on_policy.h"
#include "lever/algo/train.h"
#include "run_helpers.h"

namespace lever {
namespace {

double random_policy_mean_return(int64_t episodes) {
  Config config = Config::load_file(LEVER_SOURCE_DIR "/configs/starpilot_ppo_cpu.json");
  VecEnv envs(test_level_options(vec_env_options(config, 16, 777)));
  Rng rng(99);
  std::vector<int64_t> actions(16);
  double total = 0.0;
  int64_t finished = 0;
  while (finished < episodes) {
    for (auto& a : actions) a = static_cast<int64_t>(rng.below(15));
    envs.step(actions.data());
    for (const auto& episode : envs.take_finished_episodes()) {
      if (finished < episodes) total += episode.episode_return;
      ++finished;
    }
  }
  return total / episodes;
}

TEST(PpoProcgenLearning, NatureCnnOnStarpilotBeatsRandomPolicy) {
  testing::ScratchDir dir;
  const Config config = Config::load_file(LEVER_SOURCE_DIR "/configs/starpilot_ppo_cpu.json",
                                          {"total_steps=250000", "eval_every=0",
                                           "checkpoint_every=0", "seed=1"});
  TrainOptions options;
  options.quiet = true;
  const TrainResult result = train_run(config, dir / "run", options);
  ASSERT_TRUE(result.finished);

  EvalRequest request;
  request.episodes = 64;
  request.num_envs = 16;
  request.seed = 4242;
  const EvalStats trained = evaluate_checkpoint(dir / "run" / "final.pt", request);
  const double random = random_policy_mean_return(64);
  std::printf("starpilot easy, unseen levels: trained %.2f vs random %.2f\n", trained.mean, random);
  EXPECT_GT(random, 0.5);
  EXPECT_LT(random, 3.0);
  EXPECT_GT(trained.mean, random + 1.0);
}

}  // namespace
}  // namespace lever
