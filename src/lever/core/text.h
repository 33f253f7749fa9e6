// Small string helpers shared by the config layer, the env registry and the CLI.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lever {

// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
// adjacent characters each cost 1, so the common typo "lr" -> "rl" is one edit, not two.
int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` (ignoring case), or "" when none is close: a suggestion must be
// within max(2, word.size() / 3) edits and must not be a rewrite of every character. Ties go to
// the earlier candidate, so callers list their preferred spellings first.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

// The fields of one line of a CSV file without quoting: the text between commas, as written.
std::vector<std::string> split_at_commas(std::string_view line);

// `text` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text);

// A number as a reader writes it: integral values without a fraction ("1", "65536"), others in
// the shortest form that reads back to the same double ("0.00025", "1e-5").
std::string format_number(double value);

}  // namespace lever
