// `lever saliency`: a video of a trained agent with the pixels that move its policy and value
// drawn on the game, a PNG strip of frames, and optionally the maps as .npy.
#pragma once
#include <CLI/CLI.hpp>

namespace lever {

// Registers the subcommand; it does its work in its CLI11 callback while app.parse() runs,
// throwing UsageError for the caller to print.
void add_saliency_command(CLI::App& app);

}  // namespace lever
