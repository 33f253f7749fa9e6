// Reading a PBT run back: pbt.csv parsing and its errors, the winning lineage through copies, the
// population's best score per generation, and the stacked figure (PNG and SVG) with baselines,
// all on a hand-written three-member, three-generation population.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/study/pbt_plot.h"
#include "lever/study/runs.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

using testing::read_file;
using testing::ScratchDir;
using testing::thrown_message;
using testing::write_file;
namespace fs = std::filesystem;

const std::string kHeader =
    "generation,member,env_steps,score,test_score,parent,train_seconds,learning_rate,ent_coef\n";

// Generation 1: member 0 (worst) copied member 1. Generation 2: member 1 copied member 0 and
// member 2 copied member 1. Member 2's score in generation 1 was not measured. Rows are out of
// member order in generation 2, as a parallel driver may write them.
const std::string kPopulation = kHeader +
                                "0,0,1000,1,0.5,0,10,1e-05,0.01\n"
                                "0,1,1000,3,2,1,11,0.0003,0.02\n"
                                "0,2,1000,2,1,2,12,0.002,0.005\n"
                                "1,0,2000,4,2.5,1,10,0.00036,0.016\n"
                                "1,1,2000,3.5,3,1,11,0.0003,0.02\n"
                                "1,2,2000,nan,nan,2,12,0.002,0.005\n"
                                "2,1,3000,7,4,0,11,0.000288,0.0192\n"
                                "2,0,3000,6,5,0,10,0.00036,0.016\n"
                                "2,2,3000,5,3.5,1,12,0.0003,0.024\n";

fs::path write_pbt_run(const ScratchDir& dir, const std::string& csv = kPopulation) {
  const fs::path run = dir / "pbt";
  fs::create_directories(run);
  write_file(run / "pbt.csv", csv);
  return run;
}

// An ordinary run that evaluated at two points, in metrics.csv (with an unmeasured row) or
// log.json.
fs::path write_baseline(const ScratchDir& dir, const std::string& name, bool metrics_csv) {
  const fs::path run = dir / name;
  fs::create_directories(run);
  write_file(run / "config.json", "{\"env\": \"bigfish\", \"policy\": \"ppo\"}");
  if (metrics_csv) {
    write_file(run / "metrics.csv",
               "step,charts/SPS,eval/train_mean_return,eval/test_mean_return\n"
               "3000,50,5,3\n"
               "1500,40,2,1\n"
               "2000,45,nan,nan\n");
  } else {
    write_file(run / "log.json",
               "{\"step\": [1500, 3000], \"train_mean_reward\": [2, 5], "
               "\"test_mean_reward\": [1, 3]}");
  }
  return run;
}

std::vector<int> members_of(const std::vector<PbtRow>& rows) {
  std::vector<int> members;
  for (const PbtRow& row : rows) members.push_back(row.member);
  return members;
}

int count_color(const unsigned char* pixels, int w, int h, Color c) {
  int count = 0;
  for (int i = 0; i < w * h; ++i) {
    const unsigned char* p = pixels + 3 * i;
    count += p[0] == c.r && p[1] == c.g && p[2] == c.b;
  }
  return count;
}

TEST(PbtCsv, ReadsRowsByGenerationAndMemberWithNaN) {
  ScratchDir dir;
  const PbtTable table = read_pbt_csv(write_pbt_run(dir) / "pbt.csv");
  EXPECT_EQ(table.hyperparameters, (std::vector<std::string>{"learning_rate", "ent_coef"}));
  ASSERT_EQ(table.generations.size(), 3u);
  EXPECT_EQ(table.members(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(members_of(table.generations[2]), (std::vector<int>{0, 1, 2}));
  const PbtRow* row = table.find(2, 1);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->generation, 2);
  EXPECT_EQ(row->env_steps, 3000);
  EXPECT_EQ(row->score, 7);
  EXPECT_EQ(row->test_score, 4);
  EXPECT_EQ(row->parent, 0);
  EXPECT_EQ(row->train_seconds, 11);
  EXPECT_EQ(row->hyperparameters, (std::vector<double>{0.000288, 0.0192}));
  const PbtRow* unmeasured = table.find(1, 2);
  ASSERT_NE(unmeasured, nullptr);
  EXPECT_TRUE(std::isnan(unmeasured->score));
  EXPECT_TRUE(std::isnan(unmeasured->test_score));
  EXPECT_EQ(table.find(3, 0), nullptr);
  EXPECT_EQ(table.find(0, 3), nullptr);
}

TEST(PbtCsv, AcceptsWindowsLineEndsAndNoHyperparameters) {
  ScratchDir dir;
  const fs::path run =
      write_pbt_run(dir,
                    "generation,member,env_steps,score,test_score,parent,train_seconds\r\n"
                    "0,0,500,1.5,1,0,3\r\n"
                    "0,1,500,2.5,2,1,3\r\n");
  const PbtTable table = read_pbt_csv(run / "pbt.csv");
  EXPECT_TRUE(table.hyperparameters.empty());
  ASSERT_EQ(table.generations.size(), 1u);
  EXPECT_EQ(table.generations[0][1].score, 2.5);
  EXPECT_EQ(pbt_panels(table, {}).size(), 2u);
}

TEST(PbtCsv, MalformedFilesAreRuntimeFailuresNamingTheFile) {
  ScratchDir dir;
  const fs::path path = dir / "pbt" / "pbt.csv";
  auto error_for = [&](const std::string& csv) {
    write_pbt_run(dir, csv);
    return thrown_message<RuntimeFailure>([&] { read_pbt_csv(path); });
  };
  const std::string p = path.string();
  EXPECT_EQ(thrown_message<RuntimeFailure>([&] { read_pbt_csv(dir / "none.csv"); }),
            "cannot read " + (dir / "none.csv").string());
  EXPECT_EQ(error_for(kHeader), p + " has no rows: no generation has ended");
  EXPECT_EQ(error_for("generation,member,score\n0,0,1\n"),
            p + ":1: not a pbt.csv header; it must begin with "
                "generation,member,env_steps,score,test_score,parent,train_seconds, found "
                "'generation,member,score'");
  EXPECT_EQ(error_for(kHeader + "0,0,1000,1,0.5,0,10,1e-05\n"),
            p + ":2: 8 cells, but the header has 9");
  EXPECT_EQ(error_for(kHeader + "0,0,1000,1,0.5,0,10,1e-05,fast\n"),
            p + ":2: column 'ent_coef' holds 'fast', not a number");
  EXPECT_EQ(error_for(kHeader + "\n-1,0,1000,1,0.5,0,10,1e-05,0.1\n"),
            p + ":3: column 'generation' holds '-1', not a whole number >= 0");
  EXPECT_EQ(error_for(kHeader + "0,0,nan,1,0.5,0,10,1e-05,0.1\n"),
            p + ":2: column 'env_steps' holds 'nan', not a step count >= 0");
  EXPECT_EQ(error_for(kHeader + "0,0,1000,1,0.5,0,10,1e-05,0.1\n0,0,1000,2,0.5,0,10,1e-05,0.1\n"),
            p + ": member 0 has two rows in generation 0");
  EXPECT_EQ(error_for(kHeader + "0,0,1000,1,0.5,0,10,1e-05,0.1\n2,0,3000,2,0.5,0,10,1e-05,0.1\n"),
            p + ": generation 1 has no rows, but generation 2 does");
  EXPECT_EQ(error_for(kHeader + "0,0,1000,1,0.5,0,10,1e-05,0.1\n1,0,2000,2,0.5,4,10,1e-05,0.1\n"),
            p + ": member 0 of generation 1 names parent 4, which has no row in generation 0");
  EXPECT_EQ(
      error_for("generation,member,env_steps,score,test_score,parent,train_seconds,gamma,gamma\n"),
      p + ":1: hyperparameter column 8 is empty or repeated ('gamma')");
}

TEST(PbtLineage, FollowsParentsBackFromTheBestOfTheLastGeneration) {
  ScratchDir dir;
  const PbtTable table = read_pbt_csv(write_pbt_run(dir) / "pbt.csv");
  const std::vector<PbtRow> lineage = winning_lineage(table);
  // Member 1 wins generation 2 having copied member 0, which had copied member 1.
  EXPECT_EQ(members_of(lineage), (std::vector<int>{1, 0, 1}));
  ASSERT_EQ(lineage.size(), 3u);
  for (int g = 0; g < 3; ++g) EXPECT_EQ(lineage[g].generation, g);
  EXPECT_EQ(lineage[0].hyperparameters, (std::vector<double>{0.0003, 0.02}));
  EXPECT_EQ(lineage[1].hyperparameters, (std::vector<double>{0.00036, 0.016}));
  EXPECT_EQ(lineage[2].hyperparameters, (std::vector<double>{0.000288, 0.0192}));
}

TEST(PbtLineage, TiesGoToTheLowestMemberAndNaNNeverWins) {
  ScratchDir dir;
  const fs::path run = write_pbt_run(dir, kHeader +
                                              "0,0,10,nan,0,0,1,0.1,0.1\n"
                                              "0,1,10,2,0,1,1,0.1,0.1\n"
                                              "0,2,10,2,0,2,1,0.1,0.1\n"
                                              "1,0,20,nan,0,0,1,0.1,0.1\n"
                                              "1,1,20,5,0,2,1,0.1,0.1\n"
                                              "1,2,20,5,0,1,1,0.1,0.1\n"
                                              "2,0,30,nan,0,0,1,0.1,0.1\n"
                                              "2,1,30,nan,0,1,1,0.1,0.1\n");
  const PbtTable table = read_pbt_csv(run / "pbt.csv");
  EXPECT_EQ(members_of(best_per_generation(table)), (std::vector<int>{1, 1, 0}));
  EXPECT_TRUE(std::isnan(best_per_generation(table)[2].score));
  // No finite score in the last generation: member 0 wins, and its line goes back through itself.
  EXPECT_EQ(members_of(winning_lineage(table)), (std::vector<int>{0, 0, 0}));
  const std::vector<PbtRow> lineage = winning_lineage(read_pbt_csv(
      write_pbt_run(dir, kHeader + "0,0,10,1,0,0,1,0.1,0.1\n0,1,10,0,0,1,1,0.1,0.1\n"
                                   "1,0,20,3,0,1,1,0.1,0.1\n1,1,20,3,0,0,1,0.1,0.1\n") /
      "pbt.csv"));
  EXPECT_EQ(members_of(lineage), (std::vector<int>{1, 0}));
}

TEST(PbtPanels, ScorePanelsBestLineIsTheMaximumPerGeneration) {
  ScratchDir dir;
  const PbtTable table = read_pbt_csv(write_pbt_run(dir) / "pbt.csv");
  const std::vector<PbtRow> best = best_per_generation(table);
  EXPECT_EQ(members_of(best), (std::vector<int>{1, 0, 1}));
  const std::vector<PbtPanel> panels = pbt_panels(table, {});
  ASSERT_EQ(panels.size(), 4u);
  const PbtPanel& score = panels[0];
  EXPECT_EQ(score.spec.title, "Population score (training levels)");
  ASSERT_EQ(score.thick.size(), 1u);
  const Series& best_line = score.spec.series[score.thick[0]];
  EXPECT_EQ(best_line.x, (std::vector<double>{1000, 2000, 3000}));
  EXPECT_EQ(best_line.y, (std::vector<double>{3, 4, 7}));
  // Every other series is a member's scores; the best line is their maximum at each generation.
  ASSERT_EQ(score.spec.series.size(), 4u);
  for (size_t g = 0; g < 3; ++g) {
    double max = -INFINITY;
    for (size_t m = 0; m < 3; ++m) {
      const double y = score.spec.series[m].y[g];
      if (std::isfinite(y)) max = std::max(max, y);
    }
    EXPECT_EQ(best_line.y[g], max) << "generation " << g;
  }
  EXPECT_EQ(score.spec.series[0].label, "members (3)");
  EXPECT_EQ(score.spec.series[1].label, "");
  // The test panel shows the test score of the member that was best on training levels.
  const PbtPanel& test = panels[1];
  EXPECT_EQ(test.spec.title, "Test levels");
  EXPECT_EQ(test.spec.series[test.thick[0]].y, (std::vector<double>{2, 2.5, 4}));
  EXPECT_EQ(test.spec.series[2].y[0], 1);
  EXPECT_TRUE(std::isnan(test.spec.series[2].y[1]));
}

TEST(PbtPanels, HyperparameterPanelsHoldEachValueOverItsGeneration) {
  ScratchDir dir;
  const PbtTable table = read_pbt_csv(write_pbt_run(dir) / "pbt.csv");
  const std::vector<PbtPanel> panels = pbt_panels(table, {});
  ASSERT_EQ(panels.size(), 4u);
  // The learning rates span 1e-5 .. 2e-3, more than two decades: shown as log10.
  const PbtPanel& lr = panels[2];
  EXPECT_EQ(lr.spec.title, "learning_rate");
  EXPECT_EQ(lr.spec.y_label, "log10 learning_rate");
  const Series& lr_won = lr.spec.series[lr.thick[0]];
  EXPECT_EQ(lr_won.label, "winning lineage");
  EXPECT_EQ(lr_won.x, (std::vector<double>{0, 1000, 1000, 2000, 2000, 3000}));
  ASSERT_EQ(lr_won.y.size(), 6u);
  const double expected_lr[] = {0.0003, 0.0003, 0.00036, 0.00036, 0.000288, 0.000288};
  for (size_t i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(lr_won.y[i], std::log10(expected_lr[i]));
  const PbtPanel& ent = panels[3];
  EXPECT_EQ(ent.spec.y_label, "ent_coef");
  EXPECT_EQ(ent.spec.series[ent.thick[0]].y,
            (std::vector<double>{0.02, 0.02, 0.016, 0.016, 0.0192, 0.0192}));
  // Member 2 kept its own values until it copied member 1 in generation 2.
  EXPECT_EQ(ent.spec.series[2].y, (std::vector<double>{0.005, 0.005, 0.005, 0.005, 0.024, 0.024}));
  EXPECT_EQ(ent.spec.series[2].x, (std::vector<double>{0, 1000, 1000, 2000, 2000, 3000}));
}

TEST(PbtPanels, LogAxisOnlyForPositiveValuesSpanningTwoDecades) {
  EXPECT_TRUE(wants_log_axis({1e-5, 2e-3}));
  EXPECT_TRUE(wants_log_axis({1e-5, NAN, 2e-3}));
  EXPECT_FALSE(wants_log_axis({1e-5, 1e-3}));  // exactly two decades
  EXPECT_FALSE(wants_log_axis({0.9, 0.999}));
  EXPECT_FALSE(wants_log_axis({0.0, 1.0}));
  EXPECT_FALSE(wants_log_axis({-1e-5, 2e-3}));
  EXPECT_FALSE(wants_log_axis({}));
}

TEST(PbtPanels, BaselinesShowTheirEvaluationReturns) {
  ScratchDir dir;
  const PbtTable table = read_pbt_csv(write_pbt_run(dir) / "pbt.csv");
  const std::vector<RunRecord> baselines = {load_run(write_baseline(dir, "ppo_csv", true)),
                                            load_run(write_baseline(dir, "ppo_log", false))};
  const std::vector<PbtPanel> panels = pbt_panels(table, baselines);
  for (int test = 0; test < 2; ++test) {
    const PlotSpec& spec = panels[test].spec;
    ASSERT_EQ(spec.series.size(), 6u);
    for (size_t b = 0; b < 2; ++b) {
      const Series& series = spec.series[4 + b];
      EXPECT_EQ(series.label, b == 0 ? "ppo_csv" : "ppo_log");
      // Sorted by step; the unmeasured row left out.
      EXPECT_EQ(series.x, (std::vector<double>{1500, 3000}));
      EXPECT_EQ(series.y, test ? (std::vector<double>{1, 3}) : (std::vector<double>{2, 5}));
    }
    EXPECT_NE(spec.series[4].color, spec.series[5].color);
    EXPECT_NE(spec.series[4].color, spec.series[panels[test].thick[0]].color);
  }
  EXPECT_EQ(panels[2].spec.series.size(), 4u);  // hyperparameter panels have no baselines
  const fs::path bare = dir / "bare";
  fs::create_directories(bare);
  write_file(bare / "config.json", "{}");
  write_file(bare / "metrics.csv", "step,charts/SPS\n100,5\n");
  EXPECT_EQ(thrown_message<UsageError>([&] { pbt_panels(table, {load_run(bare)}); }),
            "baseline " + bare.string() +
                " has no eval/train_mean_return in metrics.csv and no train_mean_reward in "
                "log.json");
}

TEST(PbtFigure, PngStacksThePanelsWithThickLinesAndBaselines) {
  ScratchDir dir;
  const fs::path run = write_pbt_run(dir);
  const fs::path baseline = write_baseline(dir, "ppo", true);
  const Color baseline_color = series_color(1);
  const Color best_color = series_color(0);
  const PbtTable table = read_pbt_csv(run / "pbt.csv");
  for (bool with_baseline : {false, true}) {
    const fs::path out = dir / (with_baseline ? "with.png" : "without.png");
    const PbtFigureSummary summary = write_pbt_figure(
        run, with_baseline ? std::vector<fs::path>{baseline} : std::vector<fs::path>{}, out);
    EXPECT_EQ(summary.members, 3);
    EXPECT_EQ(summary.generations, 3);
    EXPECT_EQ(summary.baselines, with_baseline ? 1 : 0);
    EXPECT_EQ(summary.winner.member, 1);
    EXPECT_EQ(summary.winner.score, 7);
    const std::vector<PbtPanel> panels =
        pbt_panels(table, with_baseline ? std::vector<RunRecord>{load_run(baseline)}
                                        : std::vector<RunRecord>{});
    int expected_height = 0;
    for (const PbtPanel& panel : panels) expected_height += panel.spec.height;
    EXPECT_EQ(expected_height, 4 * kPbtPanelHeight);

    int w = 0, h = 0, channels = 0;
    unsigned char* pixels = stbi_load(out.c_str(), &w, &h, &channels, 3);
    ASSERT_NE(pixels, nullptr) << out << ": " << stbi_failure_reason();
    EXPECT_EQ(w, kPbtPanelWidth);
    EXPECT_EQ(h, expected_height);
    EXPECT_GT(count_color(pixels, w, h, best_color), 1000);
    EXPECT_GT(count_color(pixels, w, h, {170, 170, 170}), 500);  // the members
    if (with_baseline) {
      EXPECT_GT(count_color(pixels, w, h, baseline_color), 300);
    } else {
      EXPECT_EQ(count_color(pixels, w, h, baseline_color), 0);
      // The best line is thick: two rows above and below its centre, halfway between
      // generations 0 and 1, are its colour (the plot's own lines are 2 px wide).
      const PlotFrame frame = plot_frame(panels[0].spec);
      const int x = static_cast<int>(std::floor(frame.to_px(1500)));
      const int y = static_cast<int>(std::floor(frame.to_py(3.5)));
      for (int dy = -2; dy <= 2; ++dy) {
        const unsigned char* p = pixels + 3 * ((y + dy) * w + x);
        EXPECT_EQ((Color{p[0], p[1], p[2]}), best_color) << "row offset " << dy;
      }
    }
    stbi_image_free(pixels);
  }
}

TEST(PbtFigure, SvgNestsOnePanelPerRowWithThickPolylines) {
  ScratchDir dir;
  const fs::path run = write_pbt_run(dir);
  const fs::path out = dir / "figure.SVG";
  write_pbt_figure(run, {write_baseline(dir, "ppo", false)}, out, 640, 300);
  const std::string svg = read_file(out);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("width=\"640\" height=\"1200\" viewBox=\"0 0 640 1200\""), std::string::npos);
  for (int top : {0, 300, 600, 900}) {
    EXPECT_NE(svg.find("<svg x=\"0\" y=\"" + std::to_string(top) + "\" xmlns="), std::string::npos)
        << top;
  }
  size_t nested = 0, thick = 0;
  for (size_t at = svg.find("<svg"); at != std::string::npos; at = svg.find("<svg", at + 1)) {
    ++nested;
  }
  for (size_t at = svg.find("stroke-width=\"5\""); at != std::string::npos;
       at = svg.find("stroke-width=\"5\"", at + 1)) {
    ++thick;
  }
  EXPECT_EQ(nested, 5u);  // the document and its four panels
  EXPECT_EQ(thick, 4u);   // one thick line per panel
  EXPECT_EQ(svg.find("<?xml", 1), std::string::npos);
  EXPECT_NE(svg.find("Population score (training levels)"), std::string::npos);
  EXPECT_NE(svg.find(">ppo<"), std::string::npos);
}

TEST(PbtFigure, RefusesOtherExtensionsAndDetectsPbtRuns) {
  ScratchDir dir;
  const fs::path run = write_pbt_run(dir);
  EXPECT_TRUE(is_pbt_dir(run));
  EXPECT_FALSE(is_pbt_dir(dir.path()));
  EXPECT_THROW(write_pbt_figure(run, {}, dir / "figure.jpg"), UsageError);
  EXPECT_FALSE(fs::exists(dir / "figure.jpg"));
  EXPECT_THROW(write_pbt_figure(dir.path(), {}, dir / "figure.png"), RuntimeFailure);
  EXPECT_THROW(write_pbt_figure(run, {dir / "missing"}, dir / "figure.png"), UsageError);
  EXPECT_FALSE(fs::exists(dir / "figure.png"));
}

}  // namespace
}  // namespace lever
