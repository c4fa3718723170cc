// Semantic hashing's math (tools/hourglass/semantic_hash.h) on hand-made codes: thresholds (0.5
// or per-unit medians, chosen automatically by the codes' range), bit packing, the hash table's
// Hamming-ball retrieval (both the bit-flip enumeration and the bucket scan against a brute-force
// count), and precision / recall / mean retrieved at every radius against hand-computed values.
#include "semantic_hash.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "support/expect_error.h"

namespace hg::cli {
namespace {

using hg::testing::expect_error;

TEST(SemanticHash, ThresholdsAreHalfForUnitCodesAndMediansOtherwise) {
  // 3 codes of 2 units, all in [0, 1]: auto picks 0.5.
  HashThreshold used = HashThreshold::kAuto;
  EXPECT_EQ(
      hash_thresholds({0.1f, 0.9f, 0.7f, 0.2f, 0.4f, 1.0f}, 3, 2, HashThreshold::kAuto, &used),
      (std::vector<float>{0.5f, 0.5f}));
  EXPECT_EQ(used, HashThreshold::kHalf);
  // One value outside [0, 1]: medians per unit (odd count: the middle value; even: the mean of
  // the two middle ones).
  EXPECT_EQ(
      hash_thresholds({-3.0f, 10.0f, 2.0f, 0.0f, 5.0f, 4.0f}, 3, 2, HashThreshold::kAuto, &used),
      (std::vector<float>{2.0f, 4.0f}));
  EXPECT_EQ(used, HashThreshold::kMedian);
  EXPECT_EQ(hash_thresholds({4.0f, 1.0f, 3.0f, 2.0f}, 4, 1, HashThreshold::kMedian),
            (std::vector<float>{2.5f}));
  // Forced 0.5 even for unbounded codes.
  EXPECT_EQ(hash_thresholds({-3.0f, 10.0f}, 1, 2, HashThreshold::kHalf),
            (std::vector<float>{0.5f, 0.5f}));
  EXPECT_EQ(parse_hash_threshold("median"), HashThreshold::kMedian);
  expect_error([] { parse_hash_threshold("mean"); }, {"unknown threshold 'mean'", "median"});
  expect_error(
      [] {
        hash_thresholds({1.0f, 2.0f, 3.0f}, 2, 2, HashThreshold::kAuto);
      },
      {"expected 2 x 2", "got 3"});
}

TEST(SemanticHash, BinarizePacksUnitJIntoBitJ) {
  const std::vector<uint64_t> keys =
      binarize_codes({0.9f, 0.1f, 0.6f, 0.5f, 0.2f, 0.7f}, 3, {0.5f, 0.5f, 0.5f});
  // Row 0: units 0 and 2 above -> 0b101; row 1: only unit 2 (0.5 is not above 0.5) -> 0b100.
  EXPECT_EQ(keys, (std::vector<uint64_t>{0b101, 0b100}));
  std::vector<float> wide(64, 1.0f);
  EXPECT_EQ(binarize_codes(wide, 64, std::vector<float>(64, 0.5f)),
            (std::vector<uint64_t>{~uint64_t{0}}));
  expect_error([] { binarize_codes(std::vector<float>(65, 0.0f), 65, std::vector<float>(65)); },
               {"64-bit key", "65 units"});
}

// Every bucket visited within radius r, once, at its true distance, by both strategies.
TEST(SemanticHash, HammingBallMatchesBruteForce) {
  std::mt19937_64 rng(7);
  for (const int64_t bits : {4, 12, 40}) {
    // Few keys (the scan) and many (the enumeration, for 4 and 12 bits).
    for (const int64_t n : {5, 3000}) {
      std::vector<uint64_t> keys(static_cast<size_t>(n));
      std::vector<int32_t> labels(static_cast<size_t>(n));
      const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
      for (int64_t i = 0; i < n; ++i) {
        // Keys near a few centres so that small balls are not empty.
        const uint64_t centre = (i % 3) * 0x5555555555ull;
        keys[i] = (centre ^ (uint64_t{1} << (rng() % bits)) ^ (rng() % 4 == 0 ? rng() : 0)) & mask;
        labels[i] = static_cast<int32_t>(i % 4);
      }
      const HashTable table(keys, labels, bits);
      for (int q = 0; q < 20; ++q) {
        const uint64_t query = keys[rng() % n] ^ (uint64_t{1} << (rng() % bits));
        for (int radius = 0; radius <= 3; ++radius) {
          std::vector<int64_t> want(radius + 1, 0), got(radius + 1, 0);
          for (uint64_t k : keys) {
            const int d = __builtin_popcountll(k ^ query);
            if (d <= radius) ++want[d];
          }
          table.for_each_within(query, radius, [&](int d, const HashTable::Bucket& b) {
            got[d] += static_cast<int64_t>(b.items.size());
          });
          ASSERT_EQ(got, want) << bits << " bits, " << n << " keys, radius " << radius;
        }
      }
    }
  }
}

TEST(SemanticHash, RetrievalStatsByRadius) {
  // Database: key 0b000 x {label 0, label 0, label 1}, key 0b001 x {label 0}, key 0b011 x
  // {label 1}. Labels: three 0s, two 1s.
  const HashTable table({0b000, 0b000, 0b000, 0b001, 0b011}, {0, 0, 1, 0, 1}, 3);
  EXPECT_EQ(table.size(), 5);
  EXPECT_EQ(table.distinct_keys(), 3);
  EXPECT_EQ(table.label_count(0), 3);
  // Query A: key 0b000, label 0. Query B: key 0b111, label 1.
  const std::vector<RetrievalStats> s = retrieval_stats(table, {0b000, 0b111}, {0, 1}, 2);
  ASSERT_EQ(s.size(), 3u);
  // r = 0: A retrieves the 3 items of 0b000 (2 relevant); B retrieves nothing.
  EXPECT_EQ(s[0].answered, 1);
  EXPECT_DOUBLE_EQ(s[0].precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s[0].recall, (2.0 / 3.0 + 0.0) / 2.0);
  EXPECT_DOUBLE_EQ(s[0].mean_retrieved, 1.5);
  // r = 1: A adds 0b001 (relevant): 4 items, 3 relevant. B: 0b011 at distance 1 (relevant).
  EXPECT_EQ(s[1].answered, 2);
  EXPECT_DOUBLE_EQ(s[1].precision, (3.0 / 4.0 + 1.0) / 2.0);
  EXPECT_DOUBLE_EQ(s[1].recall, (3.0 / 3.0 + 1.0 / 2.0) / 2.0);
  EXPECT_DOUBLE_EQ(s[1].mean_retrieved, (4.0 + 1.0) / 2.0);
  // r = 2: A adds 0b011 (not relevant): 5 items, 3 relevant. B adds 0b001 (not relevant).
  EXPECT_DOUBLE_EQ(s[2].precision, (3.0 / 5.0 + 1.0 / 2.0) / 2.0);
  EXPECT_DOUBLE_EQ(s[2].recall, (1.0 + 0.5) / 2.0);
  EXPECT_DOUBLE_EQ(s[2].mean_retrieved, (5.0 + 2.0) / 2.0);
  // Nothing answered: precision is NaN, recall 0.
  const std::vector<RetrievalStats> none = retrieval_stats(table, {0b110}, {0}, 0);
  EXPECT_TRUE(std::isnan(none[0].precision));
  EXPECT_EQ(none[0].recall, 0.0);
  expect_error([&] { retrieval_stats(table, {0}, {0, 1}, 1); }, {"1 query keys but 2 labels"});
}

}  // namespace
}  // namespace hg::cli
