#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/env/arcade/atari_preprocessing.h"

namespace lever::arcade {
namespace {

// A scripted game. Frame f (counted from the last reset) paints the left half of the screen
// grey value(f) and the right half 255 - value(f); frame f pays reward f.
class FakeGame : public ArcadeGame {
 public:
  explicit FakeGame(std::vector<std::string> meanings = {"NOOP", "FIRE", "RIGHT", "LEFT"})
      : meanings_(std::move(meanings)) {
    spec_.id = "fake";
    spec_.obs_shape = {kScreenHeight, kScreenWidth, 3};
    spec_.obs_type = ObsType::kU8Image;
    spec_.num_actions = static_cast<int>(meanings_.size());
    spec_.max_episode_steps = kMaxEpisodeFrames;
    screen_.resize(static_cast<size_t>(kScreenWidth) * kScreenHeight * 3);
  }
  static uint8_t value(int frame) { return static_cast<uint8_t>((frame * 37 + 11) % 256); }

  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override {
    seeds.push_back(level_seed);
    frame = 0;
    draw(obs);
  }
  StepResult step(int action, void* obs) override {
    executed.push_back(action);
    ++frame;
    draw(obs);
    StepResult result;
    result.reward = static_cast<float>(frame);
    result.life_lost = std::count(life_lost_at.begin(), life_lost_at.end(), frame) > 0;
    result.terminated = frame == terminate_at;
    return result;
  }
  void render(Image& out) const override {
    out.resize(kScreenWidth, kScreenHeight);
    std::copy(screen_.begin(), screen_.end(), out.pixels.begin());
  }
  int lives() const override { return 3; }
  const std::vector<std::string>& action_meanings() const override { return meanings_; }

  int frame = 0;
  int terminate_at = 0;  // frame (since reset) that ends the game; 0: never
  std::vector<int> life_lost_at;
  std::vector<int> executed;
  std::vector<uint64_t> seeds;

 private:
  void draw(void* obs) {
    const size_t row_bytes = kScreenWidth * 3, half = row_bytes / 2;
    for (int y = 0; y < kScreenHeight; ++y) {
      uint8_t* row = screen_.data() + y * row_bytes;
      std::fill(row, row + half, value(frame));
      std::fill(row + half, row + row_bytes, static_cast<uint8_t>(255 - value(frame)));
    }
    std::copy(screen_.begin(), screen_.end(), static_cast<uint8_t*>(obs));
  }

  EnvSpec spec_;
  std::vector<std::string> meanings_;
  std::vector<uint8_t> screen_;
};

// No no-ops, no FIRE, no stickiness: only what a test turns on.
AtariPreprocessing::Options plain_options() {
  AtariPreprocessing::Options options;
  options.noop_max = 0;
  options.fire_reset = false;
  return options;
}

struct Wrapped {
  FakeGame* game;
  AtariPreprocessing env;
  std::vector<uint8_t> obs;

  explicit Wrapped(const AtariPreprocessing::Options& options,
                   std::unique_ptr<FakeGame> fake = std::make_unique<FakeGame>())
      : game(fake.get()), env(std::move(fake), "fakegame", options) {
    obs.resize(env.spec().obs_bytes());
  }
  // The stacked values of the pixel at (x, y).
  std::vector<int> stack_at(int x, int y) const {
    const int size = env.options().screen_size, k = env.options().frame_stack;
    std::vector<int> values;
    for (int i = 0; i < k; ++i) values.push_back(obs[(static_cast<size_t>(y) * size + x) * k + i]);
    return values;
  }
};

// 160 -> 84 columns: output column 41 covers source [78.1, 80.0), so columns 0-41 see only the
// left half and 42-83 only the right half.
constexpr int kLeftX = 20, kRightX = 60, kY = 40;

TEST(AtariPreprocessingFrames, MaxPoolIsPerByte) {
  const uint8_t a[] = {1, 200, 30, 0, 7};
  const uint8_t b[] = {5, 100, 30, 255, 6};
  uint8_t out[5];
  max_pool_frames(a, b, out, 5);
  const uint8_t expected[] = {5, 200, 30, 255, 7};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i], expected[i]) << i;
}

TEST(AtariPreprocessingFrames, GreyUsesAleWeightsAndRoundsHalfUp) {
  const uint8_t rgb[] = {255, 255, 255, 0,   0,   0,   255, 0, 0, 0,  255,
                         0,   0,   0,   255, 100, 150, 200, 0, 0, 250};
  uint8_t grey[7];
  rgb_to_grey(rgb, 7, 1, grey);
  EXPECT_EQ(grey[0], 255);  // 0.9999 * 255 = 254.97
  EXPECT_EQ(grey[1], 0);
  EXPECT_EQ(grey[2], 76);   // 0.2989 * 255 = 76.22
  EXPECT_EQ(grey[3], 150);  // 0.5870 * 255 = 149.69
  EXPECT_EQ(grey[4], 29);   // 0.1140 * 255 = 29.07
  EXPECT_EQ(grey[5], 141);  // 29.89 + 88.05 + 22.80 = 140.74
  EXPECT_EQ(grey[6], 29);   // 0.1140 * 250 = 28.5 exactly: up
}

TEST(AtariPreprocessingResize, IntegerRatioGivesBlockMeans) {
  const uint8_t in[] = {10, 20, 0,   0,    //
                        30, 40, 0,   255,  //
                        1,  2,  200, 200,  //
                        3,  4,  200, 201};
  AreaResizer resizer(4, 4, 2, 2);
  uint8_t out[4];
  resizer.resize(in, out);
  EXPECT_EQ(out[0], 25);
  EXPECT_EQ(out[1], 64);   // 63.75
  EXPECT_EQ(out[2], 3);    // 2.5, half up
  EXPECT_EQ(out[3], 200);  // 200.25
}

TEST(AtariPreprocessingResize, FractionalRatioWeighsFootprintEdges) {
  // 5 -> 2: each output pixel covers 2.5 source pixels, the middle one shared half and half.
  AreaResizer resizer(5, 1, 2, 1);
  const auto taps = resizer.column_taps(0);
  ASSERT_EQ(taps.size(), 3u);
  EXPECT_EQ(taps[0].src, 0);
  EXPECT_FLOAT_EQ(taps[0].weight, 0.4f);
  EXPECT_EQ(taps[1].src, 1);
  EXPECT_FLOAT_EQ(taps[1].weight, 0.4f);
  EXPECT_EQ(taps[2].src, 2);
  EXPECT_FLOAT_EQ(taps[2].weight, 0.2f);
  EXPECT_EQ(resizer.column_taps(1)[0].src, 2);
  EXPECT_FLOAT_EQ(resizer.column_taps(1)[0].weight, 0.2f);

  const uint8_t ramp[] = {10, 20, 30, 40, 50};
  uint8_t out[2];
  resizer.resize(ramp, out);
  EXPECT_EQ(out[0], 18);  // (10 + 20 + 15) / 2.5
  EXPECT_EQ(out[1], 42);  // (15 + 40 + 50) / 2.5
  const uint8_t spike[] = {7, 0, 3, 0, 0};
  resizer.resize(spike, out);
  EXPECT_EQ(out[0], 3);  // 8.5 / 2.5 = 3.4
  EXPECT_EQ(out[1], 1);  // 1.5 / 2.5 = 0.6
}

TEST(AtariPreprocessingResize, AtariScreenTablesAndConstantImages) {
  AreaResizer resizer(kScreenWidth, kScreenHeight, 84, 84);
  // Rows: 2.5 source rows per output row; row 1 covers [2.5, 5).
  const auto rows = resizer.row_taps(1);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].src, 2);
  EXPECT_FLOAT_EQ(rows[0].weight, 0.2f);
  EXPECT_FLOAT_EQ(rows[1].weight, 0.4f);
  EXPECT_FLOAT_EQ(rows[2].weight, 0.4f);
  // Columns: 160/84 = 1.905 source columns per output column; column 0 covers [0, 1.905).
  const auto cols = resizer.column_taps(0);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_FLOAT_EQ(cols[0].weight, 84.0f / 160.0f);
  EXPECT_FLOAT_EQ(cols[1].weight, 76.0f / 160.0f);

  std::vector<uint8_t> in(static_cast<size_t>(kScreenWidth) * kScreenHeight);
  std::vector<uint8_t> out(84 * 84);
  for (int v : {0, 1, 77, 128, 254, 255}) {
    std::fill(in.begin(), in.end(), static_cast<uint8_t>(v));
    resizer.resize(in.data(), out.data());
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], v) << "value " << v << " at " << i;
  }
}

TEST(AtariPreprocessingStack, PushShiftsEachPixelNewestLast) {
  uint8_t stack[] = {1, 2, 3, 4, 5, 6};  // two pixels, three frames each
  const uint8_t frame[] = {7, 8};
  push_frame(stack, frame, 2, 3);
  const uint8_t expected[] = {2, 3, 7, 5, 6, 8};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(stack[i], expected[i]) << i;
  uint8_t single[] = {1, 2};
  push_frame(single, frame, 2, 1);
  EXPECT_EQ(single[0], 7);
  EXPECT_EQ(single[1], 8);
}

TEST(AtariPreprocessingStep, RepeatsTheActionFrameSkipTimesAndSumsRewards) {
  Wrapped w(plain_options());
  w.env.reset(1, w.obs.data());
  EXPECT_TRUE(w.game->executed.empty());
  StepResult r = w.env.step(2, w.obs.data());
  EXPECT_EQ(w.game->executed, (std::vector<int>{2, 2, 2, 2}));
  EXPECT_FLOAT_EQ(r.reward, 1 + 2 + 3 + 4);
  EXPECT_FALSE(r.terminated);
  r = w.env.step(3, w.obs.data());
  EXPECT_EQ(w.game->executed, (std::vector<int>{2, 2, 2, 2, 3, 3, 3, 3}));
  EXPECT_FLOAT_EQ(r.reward, 5 + 6 + 7 + 8);
}

TEST(AtariPreprocessingStep, StopsAtTerminalAndPoolsOnlyTheFramesThatRan) {
  Wrapped w(plain_options());
  w.game->terminate_at = 6;
  w.env.reset(1, w.obs.data());
  w.env.step(0, w.obs.data());
  StepResult r = w.env.step(0, w.obs.data());
  EXPECT_TRUE(r.terminated);
  EXPECT_FLOAT_EQ(r.reward, 5 + 6);
  EXPECT_EQ(w.game->executed.size(), 6u);
  EXPECT_EQ(w.stack_at(kLeftX, kY).back(), 233);  // max(196, 233)
  EXPECT_EQ(w.stack_at(kRightX, kY).back(), 59);  // max(59, 22)

  Wrapped one(plain_options());
  one.game->terminate_at = 5;
  one.env.reset(1, one.obs.data());
  one.env.step(0, one.obs.data());
  r = one.env.step(0, one.obs.data());
  EXPECT_TRUE(r.terminated);
  EXPECT_FLOAT_EQ(r.reward, 5);
  EXPECT_EQ(one.game->executed.size(), 5u);
  EXPECT_EQ(one.stack_at(kLeftX, kY).back(), 196);  // frame 5 alone, not max with frame 4
  EXPECT_EQ(one.stack_at(kRightX, kY).back(), 59);
}

TEST(AtariPreprocessingStep, LifeLostIsOredOverTheSkippedFrames) {
  Wrapped w(plain_options());
  w.game->life_lost_at = {2};
  w.env.reset(1, w.obs.data());
  EXPECT_TRUE(w.env.step(0, w.obs.data()).life_lost);
  EXPECT_FALSE(w.env.step(0, w.obs.data()).life_lost);
  EXPECT_EQ(w.env.lives(), 3);
}

TEST(AtariPreprocessingObservation, MaxOfTheLastTwoFramesNotTheEarlierOnes) {
  Wrapped w(plain_options());
  w.env.reset(1, w.obs.data());
  w.env.step(0, w.obs.data());
  // Frames 1-4: left 48, 85, 122, 159; right 207, 170, 133, 96.
  EXPECT_EQ(w.stack_at(kLeftX, kY).back(), 159);
  EXPECT_EQ(w.stack_at(kRightX, kY).back(), 133);
  w.env.step(0, w.obs.data());
  // Frames 5-8: left 196, 233, 14, 51; right 59, 22, 241, 204.
  EXPECT_EQ(w.stack_at(kLeftX, kY).back(), 51);
  EXPECT_EQ(w.stack_at(kRightX, kY).back(), 241);
  // The half boundary falls on an output column edge: every column is one half's value.
  for (int x = 0; x < 84; ++x) {
    ASSERT_EQ(w.stack_at(x, 83).back(), x < 42 ? 51 : 241) << x;
  }
}

TEST(AtariPreprocessingObservation, StackIsZeroFilledAtResetAndShiftsNewestLast) {
  Wrapped w(plain_options());
  const EnvSpec& spec = w.env.spec();
  EXPECT_EQ(spec.obs_shape, (std::vector<int64_t>{84, 84, 4}));
  EXPECT_EQ(spec.obs_type, ObsType::kU8Image);
  EXPECT_EQ(spec.frame_stack, 4);
  EXPECT_EQ(spec.num_actions, 4);
  EXPECT_EQ(spec.max_episode_steps, 27000);
  EXPECT_EQ(spec.id, "fakegame");

  std::fill(w.obs.begin(), w.obs.end(), 99);
  w.env.reset(1, w.obs.data());
  EXPECT_EQ(w.stack_at(kLeftX, kY), (std::vector<int>{0, 0, 0, 11}));
  EXPECT_EQ(w.stack_at(kRightX, kY), (std::vector<int>{0, 0, 0, 244}));
  w.env.step(0, w.obs.data());
  EXPECT_EQ(w.stack_at(kLeftX, kY), (std::vector<int>{0, 0, 11, 159}));
  w.env.step(0, w.obs.data());
  EXPECT_EQ(w.stack_at(kLeftX, kY), (std::vector<int>{0, 11, 159, 51}));
  w.env.step(0, w.obs.data());  // frames 9-12: 88, 125, 162, 199
  EXPECT_EQ(w.stack_at(kLeftX, kY), (std::vector<int>{11, 159, 51, 199}));
  w.env.step(0, w.obs.data());  // frames 13-16: 236, 17, 54, 91
  EXPECT_EQ(w.stack_at(kLeftX, kY), (std::vector<int>{159, 51, 199, 91}));

  // A new episode forgets the old frames.
  w.env.reset(2, w.obs.data());
  EXPECT_EQ(w.stack_at(kLeftX, kY), (std::vector<int>{0, 0, 0, 11}));
}

TEST(AtariPreprocessingObservation, OtherSizesAndSingleFrameSkip) {
  AtariPreprocessing::Options options = plain_options();
  options.frame_skip = 1;
  options.frame_stack = 2;
  options.screen_size = 40;  // 160 -> 40: 4 columns each, the halves split at column 20
  Wrapped w(options);
  EXPECT_EQ(w.env.spec().obs_shape, (std::vector<int64_t>{40, 40, 2}));
  EXPECT_EQ(w.env.spec().max_episode_steps, kMaxEpisodeFrames);
  w.env.reset(1, w.obs.data());
  w.env.step(0, w.obs.data());
  w.env.step(0, w.obs.data());
  // One frame per step, so no pooling: frames 1 then 2.
  EXPECT_EQ(w.stack_at(19, 5), (std::vector<int>{48, 85}));
  EXPECT_EQ(w.stack_at(20, 5), (std::vector<int>{207, 170}));
}

TEST(AtariPreprocessingReset, NoopCountIsInRangeAndDeterminedBySeed) {
  AtariPreprocessing::Options options = plain_options();
  options.noop_max = 30;
  Wrapped w(options);
  std::set<size_t> counts;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    w.game->executed.clear();
    w.env.reset(seed, w.obs.data());
    const size_t n = w.game->executed.size();
    EXPECT_GE(n, 1u);
    EXPECT_LE(n, 30u);
    EXPECT_TRUE(std::all_of(w.game->executed.begin(), w.game->executed.end(),
                            [](int a) { return a == 0; }));
    counts.insert(n);
    w.game->executed.clear();
    w.env.reset(seed, w.obs.data());
    EXPECT_EQ(w.game->executed.size(), n) << "seed " << seed;
  }
  EXPECT_EQ(counts.size(), 30u);  // every count in [1, 30] turns up over 300 seeds

  // After reset without FIRE the frame is the current screen, unpooled.
  w.env.reset(7, w.obs.data());
  const int frame = w.game->frame;
  EXPECT_EQ(w.stack_at(kLeftX, kY).back(), FakeGame::value(frame));

  Wrapped none(plain_options());
  none.env.reset(3, none.obs.data());
  EXPECT_TRUE(none.game->executed.empty());
}

TEST(AtariPreprocessingReset, GameOverDuringNoopsResetsAndGoesOn) {
  AtariPreprocessing::Options options = plain_options();
  options.noop_max = 30;
  Wrapped w(options);
  w.game->terminate_at = 2;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    w.game->executed.clear();
    w.game->seeds.clear();
    w.env.reset(seed, w.obs.data());
    const size_t n = w.game->executed.size();
    EXPECT_EQ(w.game->seeds.size(), 1 + n / 2) << "seed " << seed;
    EXPECT_EQ(w.game->frame, static_cast<int>(n % 2));
    const std::set<uint64_t> distinct(w.game->seeds.begin(), w.game->seeds.end());
    EXPECT_EQ(distinct.size(), w.game->seeds.size());
  }
}

TEST(AtariPreprocessingReset, InnerSeedDependsOnlyOnLevelSeed) {
  Wrapped w(plain_options());
  w.env.reset(5, w.obs.data());
  w.env.step(1, w.obs.data());
  w.env.reset(5, w.obs.data());
  w.env.reset(6, w.obs.data());
  ASSERT_EQ(w.game->seeds.size(), 3u);
  EXPECT_EQ(w.game->seeds[0], w.game->seeds[1]);
  EXPECT_NE(w.game->seeds[0], w.game->seeds[2]);
}

TEST(AtariPreprocessingReset, FireResetPressesFireForOneStepAfterTheNoops) {
  AtariPreprocessing::Options options = plain_options();
  options.noop_max = 5;
  options.fire_reset = true;
  Wrapped w(options);
  w.env.reset(11, w.obs.data());
  const auto& executed = w.game->executed;
  ASSERT_GE(executed.size(), 5u);
  EXPECT_EQ(std::count(executed.begin(), executed.end(), 1), 4);  // one agent step of FIRE
  EXPECT_TRUE(std::all_of(executed.end() - 4, executed.end(), [](int a) { return a == 1; }));
  EXPECT_TRUE(std::all_of(executed.begin(), executed.end() - 4, [](int a) { return a == 0; }));
  // The FIRE step's frame is pooled like any step's: max of its last two frames.
  const int last = w.game->frame;
  EXPECT_EQ(w.stack_at(kLeftX, kY).back(),
            std::max(FakeGame::value(last), FakeGame::value(last - 1)));

  options.fire_reset = false;
  Wrapped off(options);
  off.env.reset(11, off.obs.data());
  EXPECT_EQ(std::count(off.game->executed.begin(), off.game->executed.end(), 1), 0);
  EXPECT_EQ(off.game->executed.size(), executed.size() - 4);  // same seed, same no-ops

  options.fire_reset = true;
  Wrapped no_fire(options, std::make_unique<FakeGame>(std::vector<std::string>{"NOOP", "UP"}));
  no_fire.env.reset(11, no_fire.obs.data());
  EXPECT_EQ(std::count(no_fire.game->executed.begin(), no_fire.game->executed.end(), 1), 0);
}

TEST(AtariPreprocessingSticky, ZeroProbabilityNeverRepeats) {
  Wrapped w(plain_options());
  w.env.reset(1, w.obs.data());
  for (int t = 0; t < 100; ++t) w.env.step(2 + t % 2, w.obs.data());
  ASSERT_EQ(w.game->executed.size(), 400u);
  for (size_t i = 0; i < 400; ++i) ASSERT_EQ(w.game->executed[i], 2 + (i / 4) % 2) << i;
}

TEST(AtariPreprocessingSticky, RepeatsThePreviousFrameAtRateP) {
  AtariPreprocessing::Options options = plain_options();
  options.sticky_action_prob = 0.25f;
  Wrapped w(options);
  w.env.reset(3, w.obs.data());
  constexpr int kSteps = 2000;
  for (int t = 0; t < kSteps; ++t) w.env.step(2 + t % 2, w.obs.data());
  const auto& executed = w.game->executed;
  ASSERT_EQ(executed.size(), 4u * kSteps);
  int stuck_first_frames = 0;
  for (int t = 0; t < kSteps; ++t) {
    const int commanded = 2 + t % 2;
    // A frame runs the commanded action or repeats the frame before; once the commanded action
    // ran, repeating it changes nothing.
    bool reached = false;
    for (int f = 0; f < 4; ++f) {
      const int a = executed[4 * t + f];
      const int previous = 4 * t + f > 0 ? executed[4 * t + f - 1] : 0;
      ASSERT_TRUE(a == commanded || a == previous) << t << " " << f;
      if (reached) {
        ASSERT_EQ(a, commanded);
      }
      reached = reached || a == commanded;
    }
    if (executed[4 * t] != commanded) ++stuck_first_frames;
  }
  const double rate = static_cast<double>(stuck_first_frames) / kSteps;
  EXPECT_GT(rate, 0.2);  // p = 0.25, standard error 0.01
  EXPECT_LT(rate, 0.3);

  // The same seed and actions give the same executed frames.
  Wrapped again(options);
  again.env.reset(3, again.obs.data());
  for (int t = 0; t < kSteps; ++t) again.env.step(2 + t % 2, again.obs.data());
  EXPECT_EQ(again.game->executed, executed);
}

TEST(AtariPreprocessingDeterminism, SameSeedSameBytes) {
  AtariPreprocessing::Options options;  // defaults: no-ops, FIRE
  options.sticky_action_prob = 0.25f;
  Wrapped a(options), b(options);
  a.game->terminate_at = 40;
  b.game->terminate_at = 40;
  for (uint64_t seed : {0u, 1u, 2u}) {
    a.env.reset(seed, a.obs.data());
    b.env.reset(seed, b.obs.data());
    ASSERT_EQ(a.obs, b.obs);
    for (int t = 0; t < 12; ++t) {
      const StepResult ra = a.env.step(t % 4, a.obs.data());
      const StepResult rb = b.env.step(t % 4, b.obs.data());
      ASSERT_EQ(a.obs, b.obs);
      ASSERT_EQ(ra.reward, rb.reward);
      ASSERT_EQ(ra.terminated, rb.terminated);
      if (ra.terminated) break;
    }
  }
  EXPECT_EQ(a.game->executed, b.game->executed);
}

TEST(AtariPreprocessingRender, ShowsTheRawGameScreen) {
  Wrapped w(plain_options());
  w.env.reset(1, w.obs.data());
  w.env.step(0, w.obs.data());
  Image frame;
  w.env.render(frame);
  ASSERT_EQ(frame.width, kScreenWidth);
  ASSERT_EQ(frame.height, kScreenHeight);
  EXPECT_EQ(frame.color_at(3, 100), (Color{159, 159, 159}));  // frame 4, left half
  EXPECT_EQ(frame.color_at(150, 100), (Color{96, 96, 96}));   // right half
  EXPECT_EQ(&w.env.game(), static_cast<const ArcadeGame*>(w.game));
}

TEST(AtariPreprocessingOptions, ParsesDefaultsAndRejectsBadValuesByName) {
  const auto defaults = AtariPreprocessing::parse_options(nlohmann::json::object());
  EXPECT_EQ(defaults.frame_skip, 4);
  EXPECT_EQ(defaults.noop_max, 30);
  EXPECT_EQ(defaults.sticky_action_prob, 0.0f);
  EXPECT_EQ(defaults.frame_stack, 4);
  EXPECT_EQ(defaults.screen_size, 84);
  EXPECT_TRUE(defaults.fire_reset);

  const auto set = AtariPreprocessing::parse_options({{"frame_skip", 5},
                                                      {"noop_max", 0},
                                                      {"sticky_action_prob", 0.25},
                                                      {"frame_stack", 1},
                                                      {"screen_size", 8},
                                                      {"fire_reset", false}});
  EXPECT_EQ(set.frame_skip, 5);
  EXPECT_EQ(set.noop_max, 0);
  EXPECT_FLOAT_EQ(set.sticky_action_prob, 0.25f);
  EXPECT_EQ(set.frame_stack, 1);
  EXPECT_EQ(set.screen_size, 8);
  EXPECT_FALSE(set.fire_reset);

  const std::vector<std::pair<std::string, nlohmann::json>> bad = {
      {"frame_skip", 0},           {"frame_skip", 2.5},          {"noop_max", -1},
      {"sticky_action_prob", 1.0}, {"sticky_action_prob", -0.1}, {"sticky_action_prob", "x"},
      {"frame_stack", 0},          {"screen_size", 7},           {"fire_reset", 1}};
  for (const auto& [name, value] : bad) {
    try {
      AtariPreprocessing::parse_options({{name, value}});
      ADD_FAILURE() << name << " = " << value.dump() << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }

  AtariPreprocessing::Options options;
  options.frame_skip = 0;
  EXPECT_THROW(AtariPreprocessing(std::make_unique<FakeGame>(), "fake", options), UsageError);
  EXPECT_THROW(AtariPreprocessing(std::make_unique<FakeGame>(std::vector<std::string>{"FIRE"}),
                                  "fake", AtariPreprocessing::Options()),
               UsageError);  // no NOOP
}

TEST(AtariPreprocessingRegistry, EnvInfoListsTheOptionsAndMakesTheWrapper) {
  const EnvInfo info =
      atari_env_info("fakegame", "a scripted game", [] { return std::make_unique<FakeGame>(); });
  EXPECT_EQ(info.id, "fakegame");
  std::vector<std::string> names;
  nlohmann::json options = nlohmann::json::object();
  for (const auto& option : info.options) {
    names.push_back(option.name);
    options[option.name] = option.default_value;
    EXPECT_FALSE(option.doc.empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"frame_skip", "noop_max", "sticky_action_prob",
                                             "frame_stack", "screen_size", "fire_reset"}));
  EXPECT_EQ(options["frame_skip"], 4);
  EXPECT_EQ(options["noop_max"], 30);
  EXPECT_EQ(options["sticky_action_prob"].get<double>(), 0.0);
  EXPECT_EQ(options["frame_stack"], 4);
  EXPECT_EQ(options["screen_size"], 84);
  EXPECT_EQ(options["fire_reset"], true);

  options["frame_skip"] = 2;
  auto env = info.make(options);
  EXPECT_EQ(env->spec().id, "fakegame");
  EXPECT_EQ(env->spec().obs_shape, (std::vector<int64_t>{84, 84, 4}));
  EXPECT_EQ(env->spec().max_episode_steps, 54000);
}

}  // namespace
}  // namespace lever::arcade
