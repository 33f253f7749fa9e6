// Running the `lever` binary from a test, as a user would, and checking what it printed.
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/scratch_dir.h"

namespace lever::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `lever <args>` in `cwd` (so a default runs/ directory would land there), capturing both
// streams in files.
inline CommandResult run_lever(const std::string& args, const std::filesystem::path& cwd) {
  const auto out = cwd / ".lever_stdout", err = cwd / ".lever_stderr";
  const std::string command = "cd '" + cwd.string() + "' && '" LEVER_BINARY "' " + args + " > '" +
                              out.string() + "' 2> '" + err.string() + "'";
  const int status = std::system(command.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out);
  result.err = read_file(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return result;
}

inline std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

// One line, newline-terminated: what the CLI promises for every error.
inline void expect_one_line(const std::string& text) {
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_FALSE(text.empty() || text.back() != '\n') << text;
}

inline void expect_mentions(const std::string& text, const std::string& fragment) {
  EXPECT_NE(text.find(fragment), std::string::npos) << "'" << fragment << "' not in: " << text;
}

}  // namespace lever::testing
