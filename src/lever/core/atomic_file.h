// Files that are either the old version or the new one, never half written: a crash or a full
// disk while a run saves its config, metrics summary or checkpoint leaves the previous file intact.
#pragma once
#include <filesystem>
#include <string_view>

namespace lever {

// Writes `bytes` to `<path>.tmp.<pid>`, flushes it to disk and renames it over `path`.
// Throws RuntimeFailure naming `path` when any step fails; the temp file is removed then.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// Where a writer that makes the file itself (torch::save) should write before commit_temp_file:
// `<name>.tmp.<pid>` beside `path`, so the rename never crosses file systems.
std::filesystem::path temp_path_for(const std::filesystem::path& path);

// Flushes `temp` to disk and renames it over `target`. Throws RuntimeFailure naming `target` on
// failure, after removing `temp`.
void commit_temp_file(const std::filesystem::path& temp, const std::filesystem::path& target);

// `wanted` if nothing is there yet, else the first of <stem>-1<ext>, <stem>-2<ext>, ... that is
// free: outputs a user names (videos, figures) get a numbered suffix instead of replacing a file.
std::filesystem::path untaken_path(const std::filesystem::path& wanted);

}  // namespace lever
