#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/env/memorygym/searing_spotlights.h"
#include "support/error_message.h"

namespace lever::memorygym {
namespace {

using Options = SearingSpotlights::Options;
using Variant = SearingSpotlights::Variant;
using Spotlight = SearingSpotlights::Spotlight;
using Coin = SearingSpotlights::Coin;
using Obs = std::vector<uint8_t>;

constexpr Color kBody{250, 204, 153};
constexpr Color kBlack{0, 0, 0};
constexpr Color kWhite{255, 255, 255};
constexpr Color kBlue{0, 0, 255};
constexpr Color kRed{255, 0, 0};
constexpr Color kGreen{0, 255, 0};
constexpr Color kCoin{255, 165, 0};  // the rim int(2 * 0.375) = 0 wide fills the coin
constexpr Color kExitClosed{55, 55, 55};
constexpr Color kExitOpen{48, 141, 70};
constexpr Color kActionNone{120, 120, 120};
constexpr Color kActionLeftUp{116, 1, 113};
constexpr Color kHudBack{50, 50, 50};
constexpr Color kRewardCell{255, 255, 0};

// Flat MultiDiscrete actions h * 3 + v.
constexpr int kNoop = 0, kUp = 1, kLeft = 3, kRight = 6, kRightDown = 8;

nlohmann::json quiet_json() {  // no spotlights unless a test places them
  return {{"initial_spawns", 0}, {"num_spawns", 0}};
}
nlohmann::json lit_json() {  // quiet and never dark
  nlohmann::json j = quiet_json();
  j["light_dim_off_duration"] = 0;
  j["light_threshold"] = 0;
  return j;
}

struct Episode {
  SearingSpotlights env;
  Obs obs;
  StepResult last;

  explicit Episode(const nlohmann::json& options = nlohmann::json::object(),
                   Variant variant = Variant::kFinite, uint64_t seed = 3)
      : env(SearingSpotlights::parse_options(options, variant)), obs(env.spec().obs_bytes()) {
    env.reset(seed, obs.data());
  }
  void act(int action, int times = 1) {
    for (int i = 0; i < times; ++i) last = env.step(action, obs.data());
  }
  Color pixel(int x, int y) const {
    const uint8_t* p = obs.data() + (static_cast<size_t>(y) * kScreenSize + x) * 3;
    return {p[0], p[1], p[2]};
  }
};

TEST(SearingSpotlightsSpec, FreeMovementActionsAndLimits) {
  SearingSpotlights finite;
  EXPECT_EQ(finite.spec().id, "searing_spotlights");
  EXPECT_EQ(finite.spec().obs_shape, (std::vector<int64_t>{84, 84, 3}));
  EXPECT_EQ(finite.spec().obs_type, ObsType::kU8Image);
  EXPECT_EQ(finite.spec().num_actions, 9);
  EXPECT_EQ(finite.spec().action_nvec, (std::vector<int>{3, 3}));
  EXPECT_EQ(finite.spec().max_episode_steps, 256);
  SearingSpotlights endless(Options::endless());
  EXPECT_EQ(endless.spec().id, "endless_searing_spotlights");
  EXPECT_EQ(endless.spec().max_episode_steps, 0);
  EXPECT_EQ(endless.options().agent_health, 20.0);
  EXPECT_EQ(endless.options().initial_spawns, 3);
}

TEST(SearingSpotlightsHealth, OnePerStepInsideAnyNumberOfSpotlightsNoneOutside) {
  Episode e(quiet_json());
  e.env.place_agent(40, 50);
  e.env.set_coins({{10, 75}});
  e.env.place_exit(75, 75);
  e.act(kNoop, 3);
  EXPECT_EQ(e.env.health(), 5.0);
  e.env.set_spotlights({SearingSpotlights::fixed_spotlight(40, 50, 10),
                        SearingSpotlights::fixed_spotlight(45, 50, 10)});
  e.act(kNoop);
  EXPECT_EQ(e.env.health(), 4.0);  // two spotlights, one point
  e.act(kNoop);
  EXPECT_EQ(e.env.health(), 3.0);
  // Hit when the distance is at most spotlight radius + agent radius (10 + 6).
  e.env.set_spotlights({SearingSpotlights::fixed_spotlight(56, 50, 10)});
  e.act(kNoop);
  EXPECT_EQ(e.env.health(), 2.0);
  e.env.set_spotlights({SearingSpotlights::fixed_spotlight(57, 50, 10)});
  e.act(kNoop, 2);
  EXPECT_EQ(e.env.health(), 2.0);
  EXPECT_FALSE(e.last.terminated);
  EXPECT_EQ(e.last.reward, 0.0f);
}

TEST(SearingSpotlightsHealth, HudBarTurnsRedFromTheLeftAndFloorTurnsRed) {
  Episode e(lit_json());
  e.env.place_agent(40, 50);
  e.env.set_coins({{10, 75}});
  e.env.place_exit(75, 75);
  e.act(kNoop);
  EXPECT_EQ(e.pixel(0, 1), kGreen);
  EXPECT_EQ(e.pixel(41, 3), kGreen);
  EXPECT_EQ(e.pixel(12, 4), kBlue);  // checker tile (1, 0), white at (0, 0)
  EXPECT_EQ(e.pixel(0, 4), kWhite);
  e.env.set_spotlights({SearingSpotlights::fixed_spotlight(40, 50, 10)});
  e.act(kNoop);  // health 4 of 5: int(42 * 0.2) = 8 pixels red
  EXPECT_EQ(e.pixel(7, 1), kRed);
  EXPECT_EQ(e.pixel(8, 1), kGreen);
  EXPECT_EQ(e.pixel(12, 4), kRed);  // visual feedback: the blue tiles turn red
  EXPECT_EQ(e.pixel(0, 4), kWhite);
  e.act(kNoop);  // health 3: int(42 * 0.4) = 16
  EXPECT_EQ(e.pixel(15, 3), kRed);
  EXPECT_EQ(e.pixel(16, 3), kGreen);
  e.env.set_spotlights({});
  e.act(kNoop);
  EXPECT_EQ(e.pixel(15, 3), kRed);  // health does not come back
  EXPECT_EQ(e.pixel(12, 4), kBlue);
}

TEST(SearingSpotlightsHealth, DeathAtZeroEndsTheEpisodeWithoutSuccess) {
  Episode e(quiet_json());
  e.env.place_agent(40, 50);
  e.env.set_coins({{10, 75}});
  e.env.place_exit(75, 75);
  e.env.set_spotlights({SearingSpotlights::fixed_spotlight(40, 50, 10)});
  for (int i = 0; i < 4; ++i) {
    e.act(kNoop);
    ASSERT_FALSE(e.last.terminated) << "step " << i + 1;
  }
  e.act(kNoop);
  EXPECT_TRUE(e.last.terminated);
  EXPECT_FALSE(e.last.level_complete);
  EXPECT_EQ(e.env.health(), 0.0);
  EXPECT_EQ(e.last.progress, 0);
}

TEST(SearingSpotlightsCoins, CoinPaysAQuarterAndTheExitOpensOnlyAfterAllCoins) {
  nlohmann::json options = lit_json();
  options["num_coins"] = {2};
  Episode e(options);
  ASSERT_EQ(e.env.coins().size(), 2u);
  e.env.place_agent(40, 50);
  e.env.set_coins({{50, 50}, {20, 70}});  // the first 10 away: out of reach (3 + 6)
  e.env.place_exit(70, 30);
  e.act(kNoop);
  EXPECT_EQ(e.last.reward, 0.0f);
  EXPECT_EQ(e.pixel(70, 30), kExitClosed);
  EXPECT_EQ(e.pixel(50, 50), kCoin);
  e.env.set_coins({{49, 50}, {20, 70}});  // 9 away: collected
  e.act(kNoop);
  EXPECT_FLOAT_EQ(e.last.reward, 0.25f);
  EXPECT_EQ(e.last.progress, 1);
  EXPECT_EQ(e.env.coins().size(), 1u);
  EXPECT_FALSE(e.env.exit_open());
  e.env.place_agent(70, 30);  // on the closed exit
  e.act(kNoop);
  EXPECT_EQ(e.last.reward, 0.0f);
  EXPECT_FALSE(e.last.terminated);
  e.env.place_agent(20, 66);
  e.act(kNoop);
  EXPECT_FLOAT_EQ(e.last.reward, 0.25f);
  EXPECT_EQ(e.last.progress, 2);
  EXPECT_TRUE(e.env.exit_open());
  EXPECT_FALSE(e.last.terminated);
  EXPECT_EQ(e.pixel(70, 30), kExitOpen);
  e.env.place_agent(70, 41);  // 11 = exit radius 5 + agent radius 6
  e.act(kNoop);
  EXPECT_FLOAT_EQ(e.last.reward, 1.0f);
  EXPECT_TRUE(e.last.terminated);
  EXPECT_TRUE(e.last.level_complete);
  EXPECT_EQ(e.last.progress, 2);
}

TEST(SearingSpotlightsDarkness, OnlySpotlightsShowTheSceneAfterTheDimOff) {
  nlohmann::json options = quiet_json();
  options["agent_health"] = 100;
  Episode e(options);
  e.env.place_agent(40, 50);
  e.env.set_coins({{10, 75}});
  e.env.place_exit(75, 75);
  e.env.set_spotlights({SearingSpotlights::fixed_spotlight(40, 50, 12)});
  EXPECT_EQ(e.env.light_alpha(), 0);
  for (int k = 1; k <= 7; ++k) {
    e.act(kNoop);
    EXPECT_EQ(e.env.light_alpha(), std::min(255, 42 * k));
  }
  EXPECT_EQ(e.pixel(10, 80), kBlack);
  EXPECT_EQ(e.pixel(75, 20), kBlack);
  EXPECT_EQ(e.pixel(40, 50), kBody);    // the agent inside the spotlight
  const Color floor = e.pixel(40, 60);  // inside the hole, beside the agent: hit floor
  EXPECT_TRUE(floor == kWhite || floor == kRed);
  EXPECT_EQ(e.pixel(41, 1), kGreen);  // the HUD stays lit (7 of 100 health lost: 2 red pixels)
  EXPECT_EQ(e.pixel(1, 1), kRed);
  int lit = 0;
  for (int y = 4; y < kScreenSize; ++y) {
    for (int x = 0; x < kScreenSize; ++x) lit += e.pixel(x, y) != kBlack;
  }
  EXPECT_GT(lit, 300);  // about pi * 12^2 = 452
  EXPECT_LT(lit, 500);
  // The agent outside every spotlight is invisible; the spotlight shows the floor.
  e.env.set_spotlights({SearingSpotlights::fixed_spotlight(10, 70, 8)});
  e.act(kNoop);
  EXPECT_EQ(e.pixel(40, 50), kBlack);
  const Color lit_floor = e.pixel(10, 70);
  EXPECT_TRUE(lit_floor == kWhite || lit_floor == kBlue);
}

TEST(SearingSpotlightsDarkness, ResetFrameIsFullyLit) {
  Episode e;
  EXPECT_EQ(e.pixel(e.env.agent_x(), e.env.agent_y()), kBody);
  const Coin c = e.env.coins().at(0);
  EXPECT_EQ(e.pixel(c.x, c.y), kCoin);
  EXPECT_EQ(e.pixel(e.env.exit_x(), e.env.exit_y()), kExitClosed);
}

TEST(SearingSpotlightsSpawns, OneEvery40StepsDespiteTheDecayingList) {
  nlohmann::json options = {{"agent_health", 1000000}};
  Episode e(options);
  EXPECT_EQ(e.env.spotlights().size(), 4u);
  e.act(kNoop, 39);
  EXPECT_EQ(e.env.spotlights().size(), 4u);
  e.act(kNoop);
  EXPECT_EQ(e.env.spotlights().size(), 5u);
  e.act(kNoop, 39);  // the list's second entry is 38, but the timer is compared with the first
  EXPECT_EQ(e.env.spotlights().size(), 5u);
  e.act(kNoop);
  EXPECT_EQ(e.env.spotlights().size(), 6u);
}

TEST(SearingSpotlightsSpawns, SpotlightsEnterFromOutsideTheScreen) {
  Episode e;
  for (const Spotlight& s : e.env.spotlights()) {
    EXPECT_GE(s.radius, 7);
    EXPECT_LE(s.radius, 13);
    const double d = std::hypot(s.spawn_x - 42.0, s.spawn_y - 42.0);
    EXPECT_NEAR(d, 84 * std::sqrt(2.0) / 2 + s.radius, 1e-3);
    EXPECT_GE(s.speed, 0.0025);
    EXPECT_LT(s.speed, 0.0075);
  }
}

TEST(SearingSpotlightsMovement, SpeedThreeDiagonalTwoClampedBelowTheHud) {
  Episode e(quiet_json());
  e.env.place_agent(40, 50);
  e.act(kRight);
  EXPECT_EQ(e.env.agent_x(), 43);
  EXPECT_EQ(e.env.agent_y(), 50);
  e.act(kRightDown);
  EXPECT_EQ(e.env.agent_x(), 45);
  EXPECT_EQ(e.env.agent_y(), 52);
  e.act(kLeft, 30);
  EXPECT_EQ(e.env.agent_x(), 6);
  e.act(kUp, 30);
  EXPECT_EQ(e.env.agent_y(), 10);  // the HUD's 4 rows plus the radius
}

TEST(SearingSpotlightsHud, ShowsThePreviousActionAndReward) {
  Episode e(lit_json());
  e.env.place_agent(40, 50);
  e.env.set_coins({{10, 75}});
  e.env.place_exit(75, 75);
  e.act(kLeft);
  EXPECT_EQ(e.pixel(50, 1), kActionNone);
  e.act(kNoop);
  EXPECT_EQ(e.pixel(50, 1), kActionLeftUp);
  EXPECT_EQ(e.pixel(70, 1), kActionNone);
  e.act(kNoop);
  EXPECT_EQ(e.pixel(50, 1), kActionNone);
  e.env.set_coins({{e.env.agent_x(), e.env.agent_y()}});
  e.act(kNoop);
  EXPECT_FLOAT_EQ(e.last.reward, 0.25f);
  EXPECT_EQ(e.pixel(60, 1), kHudBack);
  e.act(kNoop);
  EXPECT_EQ(e.pixel(60, 1), kRewardCell);
}

TEST(SearingSpotlightsEndless, OneCoinAtATimeShownForItsFirstSteps) {
  nlohmann::json options = {
      {"initial_spawns", 0}, {"spawn_interval", 100000}, {"light_dim_off_duration", 1}};
  Episode e(options, Variant::kEndless);
  ASSERT_EQ(e.env.coins().size(), 1u);
  EXPECT_FALSE(e.env.has_exit());
  e.env.place_agent(40, 50);
  e.env.set_coins({{40, 59}});
  e.act(kNoop);
  EXPECT_FLOAT_EQ(e.last.reward, 0.25f);
  EXPECT_EQ(e.last.progress, 1);
  EXPECT_FALSE(e.last.terminated);
  ASSERT_EQ(e.env.coins().size(), 1u);
  const Coin c = e.env.coins()[0];
  EXPECT_GT(std::hypot(c.x - 40.0, c.y - 59.0), 20.0);  // spawned away from the last one
  EXPECT_EQ(e.env.coin_timer(), 1);
  EXPECT_EQ(e.env.light_alpha(), 255);
  EXPECT_EQ(e.pixel(c.x, c.y), kCoin);
  EXPECT_EQ(e.pixel(40, 50), kBlack);  // the agent is in the dark
  e.act(kNoop, 4);
  EXPECT_EQ(e.pixel(c.x, c.y), kCoin);  // coin timer 5 < 6
  e.act(kNoop);
  EXPECT_EQ(e.pixel(c.x, c.y), kBlack);
}

TEST(SearingSpotlightsEndless, CoinTimerEndsTheEpisode) {
  nlohmann::json options = {{"initial_spawns", 0}, {"spawn_interval", 100000}};
  Episode e(options, Variant::kEndless);
  e.env.place_agent(10, 15);
  e.env.set_coins({{75, 75}});
  for (int i = 0; i < 159; ++i) {
    e.act(kNoop);
    ASSERT_FALSE(e.last.terminated) << "step " << i + 1;
  }
  e.act(kNoop);
  EXPECT_TRUE(e.last.terminated);
  EXPECT_FALSE(e.last.level_complete);
  EXPECT_EQ(e.last.progress, 0);
}

TEST(SearingSpotlightsEndless, ASpotlightJoinsEvery50Steps) {
  nlohmann::json options = {{"agent_health", 1000000}};
  Episode e(options, Variant::kEndless);
  e.env.place_agent(10, 15);
  EXPECT_EQ(e.env.spotlights().size(), 3u);
  e.act(kNoop, 49);
  EXPECT_EQ(e.env.spotlights().size(), 3u);
  e.act(kNoop);
  EXPECT_EQ(e.env.spotlights().size(), 4u);
  e.act(kNoop, 50);
  EXPECT_EQ(e.env.spotlights().size(), 5u);
}

TEST(SearingSpotlightsDeterminism, SameSeedSameFramesAndRenders) {
  for (Variant variant : {Variant::kFinite, Variant::kEndless}) {
    Episode a(nlohmann::json::object(), variant, 11), b(nlohmann::json::object(), variant, 11);
    Episode c(nlohmann::json::object(), variant, 12);
    EXPECT_EQ(a.obs, b.obs);
    EXPECT_NE(a.obs, c.obs);
    for (int i = 0; i < 60 && !a.last.terminated; ++i) {
      a.act((i * 7) % 9);
      b.act((i * 7) % 9);
      ASSERT_EQ(a.obs, b.obs) << "step " << i;
      ASSERT_EQ(a.last.reward, b.last.reward);
    }
    Image ra, rb;
    a.env.render(ra);
    b.env.render(rb);
    EXPECT_EQ(ra.width, 336);
    EXPECT_EQ(ra.height, 336);
    EXPECT_EQ(ra.pixels, rb.pixels);
  }
}

TEST(SearingSpotlightsObservation, RowMajorAndRenderIsTheObservationEnlarged) {
  Episode e(lit_json());
  e.env.place_agent(20, 60);
  e.env.set_coins({{60, 30}});
  e.env.place_exit(70, 70);
  e.act(kNoop);
  EXPECT_EQ(e.pixel(20, 60), kBody);
  EXPECT_NE(e.pixel(60, 20), kBody);
  EXPECT_EQ(e.pixel(60, 30), kCoin);
  Image render;
  e.env.render(render);
  EXPECT_EQ(render.color_at(20 * 4 + 2, 60 * 4 + 2), kBody);
  EXPECT_EQ(render.color_at(60 * 4 + 2, 30 * 4 + 2), kCoin);
  EXPECT_EQ(render.color_at(70 * 4 + 2, 70 * 4 + 2), kExitClosed);
  EXPECT_EQ(render.color_at(4, 4), kGreen);
}

TEST(SearingSpotlightsOptions, InvalidValuesNameTheOption) {
  auto message = [](const nlohmann::json& options, Variant variant = Variant::kFinite) {
    return lever::testing::thrown_message<UsageError>(
        [&] { SearingSpotlights::parse_options(options, variant); });
  };
  EXPECT_EQ(message({{"agent_health", 0}}),
            "env 'searing_spotlights': agent_health must be a number in (0.0, inf), got 0");
  EXPECT_EQ(message({{"light_threshold", 300}}),
            "env 'searing_spotlights': light_threshold must be an integer in [0, 255], got 300");
  EXPECT_EQ(message({{"num_coins", {1, -2}}}),
            "env 'searing_spotlights': num_coins must be an integer in [0, 50] or a non-empty "
            "list of them, got [1,-2]");
  EXPECT_EQ(message({{"visual_feedback", 1}}),
            "env 'searing_spotlights': visual_feedback must be true or false, got 1");
  EXPECT_NE(message({{"spot_min_radius", 10}, {"spot_max_radius", 8}}).find("spot_max_radius"),
            std::string::npos);
  EXPECT_NE(message({{"spot_min_speed", 0.5}, {"spot_max_speed", 0.1}}).find("spot_max_speed"),
            std::string::npos);
  EXPECT_NE(message({{"max_steps", 0}}).find("max_steps must be an integer >= 1"),
            std::string::npos);
  EXPECT_NE(message({{"max_steps", 0}}, Variant::kEndless).find("max_steps"), std::string::npos);
  EXPECT_NE(message({{"steps_per_coin", 0}}, Variant::kEndless).find("steps_per_coin"),
            std::string::npos);
  EXPECT_NE(message({{"agent_scale", "big"}}).find("agent_scale must be a number in [0.04, 1"),
            std::string::npos);
  EXPECT_EQ(message({{"use_exit", false}}, Variant::kEndless),
            "env 'endless_searing_spotlights' has no option 'use_exit'");
  EXPECT_EQ(message({{"steps_per_coin", 10}}),
            "env 'searing_spotlights' has no option 'steps_per_coin'");
  EXPECT_EQ(message({{"max_steps", -1}}, Variant::kEndless), "<nothing thrown>");
}

TEST(SearingSpotlightsOptions, InfoListsTheCodeDefaultsAndMakesTheEnv) {
  const EnvInfo finite = searing_spotlights_info();
  const EnvInfo endless = endless_searing_spotlights_info();
  EXPECT_EQ(finite.id, "searing_spotlights");
  EXPECT_EQ(endless.id, "endless_searing_spotlights");
  auto defaults = [](const EnvInfo& info) {
    nlohmann::json resolved = nlohmann::json::object();
    for (const auto& o : info.options) resolved[o.name] = o.default_value;
    return resolved;
  };
  const nlohmann::json f = defaults(finite), n = defaults(endless);
  EXPECT_EQ(f.at("agent_health"), 5.0);
  EXPECT_EQ(f.at("max_steps"), 256);
  EXPECT_EQ(f.at("initial_spawns"), 4);
  EXPECT_EQ(f.at("num_coins"), nlohmann::json({1}));
  EXPECT_EQ(f.at("reward_coin"), 0.25);
  EXPECT_EQ(f.at("reward_exit"), 1.0);
  EXPECT_FALSE(f.contains("steps_per_coin"));
  EXPECT_EQ(n.at("agent_health"), 20.0);
  EXPECT_EQ(n.at("steps_per_coin"), 160);
  EXPECT_EQ(n.at("spawn_interval"), 50);
  EXPECT_EQ(n.at("max_steps"), -1);
  EXPECT_FALSE(n.contains("use_exit"));
  EXPECT_EQ(finite.make(f)->spec().max_episode_steps, 256);
  EXPECT_EQ(endless.make(n)->spec().id, "endless_searing_spotlights");
}

}  // namespace
}  // namespace lever::memorygym
