#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"

namespace lever {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lever_atomic_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Every name in the directory, so a leftover temp file shows up in a failure message.
  std::string listing() const {
    std::string names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names += entry.path().filename().string() + " ";
    }
    return names;
  }

  fs::path dir_;
};

TEST_F(AtomicFile, ContentRoundTrips) {
  const fs::path path = dir_ / "summary.json";
  const std::string bytes = std::string("{\"return\": 500}\n") + '\0' + "\xff binary tail";
  write_file_atomic(path, bytes);
  EXPECT_EQ(read_all(path), bytes);
  write_file_atomic(dir_ / "empty", "");
  EXPECT_TRUE(fs::exists(dir_ / "empty"));
  EXPECT_EQ(fs::file_size(dir_ / "empty"), 0u);
}

TEST_F(AtomicFile, OverwritesTheTarget) {
  const fs::path path = dir_ / "config.json";
  write_file_atomic(path, "a much longer first version of the file");
  write_file_atomic(path, "v2");
  EXPECT_EQ(read_all(path), "v2");
}

TEST_F(AtomicFile, LeavesNoTempFileBehind) {
  write_file_atomic(dir_ / "a.txt", "one");
  write_file_atomic(dir_ / "a.txt", "two");
  EXPECT_EQ(listing(), "a.txt ");
}

TEST_F(AtomicFile, TempPathIsBesideTheTargetAndNamesThePid) {
  const fs::path temp = temp_path_for(dir_ / "final.pt");
  EXPECT_EQ(temp.parent_path(), dir_);
  EXPECT_EQ(temp.filename().string(), "final.pt.tmp." + std::to_string(::getpid()));
  EXPECT_THROW(temp_path_for(dir_ / ""), RuntimeFailure);
}

TEST_F(AtomicFile, CommitTempFileRenamesAWriterOwnTempFile) {
  const fs::path target = dir_ / "final.pt";
  write_file_atomic(target, "old weights");
  const fs::path temp = temp_path_for(target);
  std::ofstream(temp, std::ios::binary) << "new weights";
  commit_temp_file(temp, target);
  EXPECT_EQ(read_all(target), "new weights");
  EXPECT_EQ(listing(), "final.pt ");
}

TEST_F(AtomicFile, CommitOfAMissingTempFileThrowsNamingTheTarget) {
  const fs::path target = dir_ / "final.pt";
  try {
    commit_temp_file(temp_path_for(target), target);
    FAIL() << "expected RuntimeFailure";
  } catch (const RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(AtomicFile, WritingIntoAMissingDirectoryThrowsNamingThePath) {
  const fs::path path = dir_ / "no_such_dir" / "metrics.csv";
  try {
    write_file_atomic(path, "step,return\n");
    FAIL() << "expected RuntimeFailure";
  } catch (const RuntimeFailure& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'" + path.string() + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(dir_ / "no_such_dir"));
}

TEST_F(AtomicFile, FailedRenameRemovesTheTempFile) {
  // A directory in the way makes the rename fail after the temp file was written.
  const fs::path path = dir_ / "blocked";
  fs::create_directories(path / "child");
  EXPECT_THROW(write_file_atomic(path, "data"), RuntimeFailure);
  EXPECT_EQ(listing(), "blocked ");
}

TEST_F(AtomicFile, UntakenPathIsTheWantedOneWhenFree) {
  EXPECT_EQ(untaken_path(dir_ / "saliency.mp4"), dir_ / "saliency.mp4");
  EXPECT_EQ(listing(), "");
}

TEST_F(AtomicFile, UntakenPathNumbersTheStemUntilFree) {
  write_file_atomic(dir_ / "saliency.mp4", "first");
  EXPECT_EQ(untaken_path(dir_ / "saliency.mp4"), dir_ / "saliency-1.mp4");
  write_file_atomic(dir_ / "saliency-1.mp4", "second");
  EXPECT_EQ(untaken_path(dir_ / "saliency.mp4"), dir_ / "saliency-2.mp4");
  EXPECT_EQ(read_all(dir_ / "saliency.mp4"), "first");  // asking writes nothing
}

TEST_F(AtomicFile, UntakenPathKeepsOnlyTheLastExtension) {
  write_file_atomic(dir_ / "strip", "");
  EXPECT_EQ(untaken_path(dir_ / "strip"), dir_ / "strip-1");
  write_file_atomic(dir_ / "a.b.mp4", "");
  EXPECT_EQ(untaken_path(dir_ / "a.b.mp4"), dir_ / "a.b-1.mp4");
}

TEST_F(AtomicFile, UntakenPathCountsDirectoriesAndDanglingLinksAsTaken) {
  fs::create_directories(dir_ / "maps.npy");
  EXPECT_EQ(untaken_path(dir_ / "maps.npy"), dir_ / "maps-1.npy");
  fs::create_symlink(dir_ / "nowhere", dir_ / "frames.png");
  EXPECT_EQ(untaken_path(dir_ / "frames.png"), dir_ / "frames-1.png");
}

}  // namespace
}  // namespace lever
