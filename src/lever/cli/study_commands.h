// `lever plot` and `lever report`: compare finished (and running) runs on one chart and in one
// markdown table. See docs/COMPARING.md.
#pragma once
#include <CLI/CLI.hpp>

namespace lever {

// Registers the subcommands; each does its work in its CLI11 callback while app.parse() runs,
// throwing UsageError for the caller to print.
void add_study_commands(CLI::App& app);

}  // namespace lever
