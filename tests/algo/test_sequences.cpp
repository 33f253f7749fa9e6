#include <gtest/gtest.h>

#include <vector>

#include "lever/algo/sequences.h"

namespace lever {
namespace {

// Rollout of T = 6 steps from N = 2 envs, flags [t][env]. Env 0's episode ends at t = 1 and
// t = 4; env 1 never ends inside the rollout.
std::vector<uint8_t> two_env_flags() {
  std::vector<uint8_t> ended(6 * 2, 0);
  ended[1 * 2 + 0] = 1;
  ended[4 * 2 + 0] = 1;
  return ended;
}

TEST(SequenceSplit, CutsAtEpisodeEndsAndEverySequenceLengthSteps) {
  const SequenceIndex index = split_sequences(two_env_flags(), 6, 2, 3);
  // Env 0: pieces t 0-1, 2-4, 5-5 → sequences of 2, 3, 1. Env 1: t 0-5 → 3, 3.
  ASSERT_EQ(index.num_sequences, 5);
  EXPECT_EQ(index.length, 3);
  EXPECT_EQ(index.lengths, (std::vector<int64_t>{2, 3, 1, 3, 3}));
  // Rollout index = t·N + env.
  EXPECT_EQ(index.starts, (std::vector<int64_t>{0, 4, 10, 1, 7}));
  const int64_t pad = 12;
  EXPECT_EQ(index.padding, pad);
  EXPECT_EQ(index.steps, (std::vector<int64_t>{0, 2, pad,  //
                                               4, 6, 8,    //
                                               10, pad, pad,  //
                                               1, 3, 5,    //
                                               7, 9, 11}));
  EXPECT_EQ(index.mask, (std::vector<uint8_t>{1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}));
}

TEST(SequenceSplit, WholeEpisodesWhenSequenceLengthIsNotPositive) {
  for (int64_t length : {0, -1}) {
    const SequenceIndex index = split_sequences(two_env_flags(), 6, 2, length);
    ASSERT_EQ(index.num_sequences, 4);
    EXPECT_EQ(index.lengths, (std::vector<int64_t>{2, 3, 1, 6}));
    EXPECT_EQ(index.length, 6);  // env 1's rollout-long piece
    EXPECT_EQ(index.starts, (std::vector<int64_t>{0, 4, 10, 1}));
    EXPECT_EQ(index.steps[3 * 6 + 5], 11);
    EXPECT_EQ(index.steps[0 * 6 + 2], index.padding);
  }
}

TEST(SequenceSplit, PadsOnlyToTheLongestSequencePresent) {
  // Every env's episode ends every second step: no sequence is longer than 2 though 8 is allowed.
  std::vector<uint8_t> ended(6 * 3, 0);
  for (int64_t t = 1; t < 6; t += 2) {
    for (int64_t env = 0; env < 3; ++env) ended[t * 3 + env] = 1;
  }
  const SequenceIndex index = split_sequences(ended, 6, 3, 8);
  EXPECT_EQ(index.num_sequences, 9);
  EXPECT_EQ(index.length, 2);
  for (uint8_t m : index.mask) EXPECT_EQ(m, 1);
}

TEST(SequenceSplit, EpisodeEndingOnTheLastStepMakesNoEmptySequence) {
  std::vector<uint8_t> ended(4, 0);
  ended[3] = 1;  // T = 4, N = 1
  const SequenceIndex index = split_sequences(ended, 4, 1, 2);
  EXPECT_EQ(index.lengths, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(index.starts, (std::vector<int64_t>{0, 2}));
}

TEST(SequenceSplit, RowsOfChosenSequencesInTheOrderGiven) {
  const SequenceIndex index = split_sequences(two_env_flags(), 6, 2, 3);
  EXPECT_EQ(sequence_rows(index, {4, 0}), (std::vector<int64_t>{12, 13, 14, 0, 1, 2}));
}

TEST(SequenceSplit, RejectsFlagsOfTheWrongSize) {
  EXPECT_THROW(split_sequences(std::vector<uint8_t>(5, 0), 3, 2, 2), std::invalid_argument);
}

}  // namespace
}  // namespace lever
