// Shared by the checkpoint, training-run and CLI tests: small configs
// that train in a fraction of a second, and readers for the files a run writes.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "lever/algo/run_files.h"
#include "lever/algo/train.h"
#include "lever/core/config.h"
#include "support/scratch_dir.h"

namespace lever::testing {

inline nlohmann::json read_json(const std::filesystem::path& path) {
  return nlohmann::json::parse(read_file(path));
}

// CartPole PPO small enough for a test: 4 envs x 32 steps = 128 transitions per update, two
// minibatches of 64 per epoch, a short final evaluation.
inline nlohmann::json tiny_run_json(int64_t total_steps = 256) {
  return {{"env", "cartpole"},  {"seed", 7},
          {"device", "cpu"},    {"total_steps", total_steps},
          {"num_envs", 4},      {"num_steps", 32},
          {"num_epochs", 2},    {"minibatch_size", 64},
          {"torch_threads", 1}, {"num_threads", 1},
          {"eval_every", 0},    {"eval_episodes", 4},
          {"eval_num_envs", 4}, {"checkpoint_every", 0}};
}

inline Config tiny_run_config(const std::vector<std::string>& overrides = {},
                              int64_t total_steps = 256) {
  return Config::from_json(tiny_run_json(total_steps), "tiny run", overrides);
}

// metrics.csv split into its header and rows of cells.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  int column(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  }
};

inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream stream(line);
  for (std::string cell; std::getline(stream, cell, ',');) cells.push_back(cell);
  return cells;
}

inline CsvTable read_csv(const std::filesystem::path& path) {
  CsvTable table;
  std::ifstream in(path);
  std::string line;
  if (std::getline(in, line)) table.header = split_csv_line(line);
  while (std::getline(in, line)) {
    if (!line.empty()) table.rows.push_back(split_csv_line(line));
  }
  return table;
}

// The run directory's TensorBoard event files.
inline std::vector<std::filesystem::path> event_files(const std::filesystem::path& run_dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir)) {
    if (entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0) {
      files.push_back(entry.path());
    }
  }
  return files;
}

// Files whose name holds ".tmp." (the atomic writers' temp files) anywhere under dir.
inline int count_temp_files(const std::filesystem::path& dir) {
  int count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) ++count;
  }
  return count;
}

inline TrainOptions quiet_options() {
  TrainOptions options;
  options.quiet = true;
  return options;
}

// metrics.csv without its wall-clock column, the only one allowed to differ between equal runs.
inline CsvTable metrics_without_sps(const std::filesystem::path& run_dir) {
  CsvTable table = read_csv(RunPaths{run_dir}.metrics());
  // Wall-clock columns (charts/SPS and perf/*) differ between identical runs.
  for (int i = static_cast<int>(table.header.size()) - 1; i >= 0; --i) {
    const std::string& name = table.header[i];
    if (name != "charts/SPS" && name.rfind("perf/", 0) != 0) continue;
    table.header.erase(table.header.begin() + i);
    for (auto& row : table.rows) {
      if (static_cast<int>(row.size()) > i) row.erase(row.begin() + i);
    }
  }
  return table;
}

inline double cell(const CsvTable& table, size_t row, const std::string& column) {
  const int index = table.column(column);
  if (index < 0 || row >= table.rows.size()) return std::nan("");
  return std::strtod(table.rows[row][index].c_str(), nullptr);
}

}  // namespace lever::testing
