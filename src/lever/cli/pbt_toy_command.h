// `lever pbt-toy`: the PBT paper's two-parameter toy problem (Fig. 2), four variants side by side.
#pragma once
#include <CLI/CLI.hpp>

namespace lever {

// Registers the subcommand; it does its work in its CLI11 callback while app.parse() runs,
// throwing UsageError for the caller to print.
void add_pbt_toy_command(CLI::App& app);

}  // namespace lever
