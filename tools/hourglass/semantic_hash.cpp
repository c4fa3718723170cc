// Semantic hashing's math (semantic_hash.h): thresholds, binarization, the hash table and the
// retrieval statistics by Hamming radius.
#include "semantic_hash.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hourglass/core/error.h"

namespace hg::cli {

HashThreshold parse_hash_threshold(const std::string& text) {
  if (text == "auto") return HashThreshold::kAuto;
  if (text == "0.5") return HashThreshold::kHalf;
  if (text == "median") return HashThreshold::kMedian;
  HG_FAIL("unknown threshold '", text, "': expected auto, 0.5 or median");
}

std::vector<float> hash_thresholds(const std::vector<float>& database_codes, int64_t n,
                                   int64_t bits, HashThreshold rule, HashThreshold* resolved) {
  HG_CHECK(n >= 1 && bits >= 1 && static_cast<int64_t>(database_codes.size()) == n * bits,
           "hash_thresholds: expected ", n, " x ", bits, " database code values, got ",
           database_codes.size());
  if (rule == HashThreshold::kAuto) {
    const bool unit_range = std::all_of(database_codes.begin(), database_codes.end(),
                                        [](float v) { return v >= 0.0f && v <= 1.0f; });
    rule = unit_range ? HashThreshold::kHalf : HashThreshold::kMedian;
  }
  if (resolved != nullptr) *resolved = rule;
  if (rule == HashThreshold::kHalf) return std::vector<float>(static_cast<size_t>(bits), 0.5f);
  std::vector<float> thresholds(static_cast<size_t>(bits));
  std::vector<float> column(static_cast<size_t>(n));
  for (int64_t j = 0; j < bits; ++j) {
    for (int64_t i = 0; i < n; ++i)
      column[i] = database_codes[i * bits + j];
    std::sort(column.begin(), column.end());
    thresholds[j] = n % 2 == 1 ? column[n / 2]
                               : static_cast<float>((static_cast<double>(column[n / 2 - 1]) +
                                                     static_cast<double>(column[n / 2])) /
                                                    2.0);
  }
  return thresholds;
}

std::vector<uint64_t> binarize_codes(const std::vector<float>& codes, int64_t bits,
                                     const std::vector<float>& thresholds) {
  HG_CHECK(bits >= 1 && bits <= 64,
           "semantic hashing packs a code into a 64-bit key: the code has ", bits,
           " units, expected 1 to 64");
  HG_CHECK(static_cast<int64_t>(thresholds.size()) == bits, "binarize_codes: ", thresholds.size(),
           " thresholds for ", bits, "-unit codes");
  HG_CHECK(codes.size() % static_cast<size_t>(bits) == 0, "binarize_codes: ", codes.size(),
           " values are not a whole number of ", bits, "-unit codes");
  const size_t n = codes.size() / static_cast<size_t>(bits);
  std::vector<uint64_t> keys(n, 0);
  for (size_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < bits; ++j)
      if (codes[i * bits + j] > thresholds[j]) keys[i] |= uint64_t{1} << j;
  return keys;
}

HashTable::HashTable(const std::vector<uint64_t>& keys, const std::vector<int32_t>& labels,
                     int64_t bits)
    : bits_(bits), size_(static_cast<int64_t>(keys.size())) {
  HG_CHECK(bits >= 1 && bits <= 64, "HashTable: bits must lie in [1, 64], got ", bits);
  HG_CHECK(labels.size() == keys.size(), "HashTable: ", keys.size(), " keys but ", labels.size(),
           " labels");
  for (size_t i = 0; i < keys.size(); ++i) {
    Bucket& b = buckets_[keys[i]];
    b.items.push_back(static_cast<int64_t>(i));
    ++b.labels[labels[i]];
    ++label_totals_[labels[i]];
  }
}

int64_t HashTable::label_count(int32_t label) const {
  const auto it = label_totals_.find(label);
  return it == label_totals_.end() ? 0 : it->second;
}

void HashTable::visit_flips(uint64_t key, int64_t from_bit, int flips_left, int distance,
                            const std::function<void(int, const Bucket&)>& visit) const {
  // Each set of flipped bits is enumerated once: the next flip is always above the last one.
  const auto it = buckets_.find(key);
  if (it != buckets_.end()) visit(distance, it->second);
  if (flips_left == 0) return;
  for (int64_t b = from_bit; b < bits_; ++b)
    visit_flips(key ^ (uint64_t{1} << b), b + 1, flips_left - 1, distance + 1, visit);
}

std::vector<RetrievalStats> retrieval_stats(const HashTable& table,
                                            const std::vector<uint64_t>& query_keys,
                                            const std::vector<int32_t>& query_labels,
                                            int max_radius) {
  HG_CHECK(max_radius >= 0, "the Hamming radius must be >= 0, got ", max_radius);
  HG_CHECK(query_keys.size() == query_labels.size(), "retrieval_stats: ", query_keys.size(),
           " query keys but ", query_labels.size(), " labels");
  const int radii = max_radius + 1;
  std::vector<double> precision_sum(radii, 0.0), recall_sum(radii, 0.0), retrieved_sum(radii, 0.0);
  std::vector<int64_t> answered(radii, 0);
  std::vector<int64_t> found(radii), relevant(radii);
  for (size_t q = 0; q < query_keys.size(); ++q) {
    const int32_t label = query_labels[q];
    // Counts at each exact distance, then accumulated into the balls of radius 0..max.
    std::fill(found.begin(), found.end(), 0);
    std::fill(relevant.begin(), relevant.end(), 0);
    table.for_each_within(query_keys[q], max_radius, [&](int d, const HashTable::Bucket& b) {
      found[d] += static_cast<int64_t>(b.items.size());
      const auto it = b.labels.find(label);
      if (it != b.labels.end()) relevant[d] += it->second;
    });
    const int64_t total_relevant = table.label_count(label);
    int64_t ball_found = 0, ball_relevant = 0;
    for (int r = 0; r < radii; ++r) {
      ball_found += found[r];
      ball_relevant += relevant[r];
      retrieved_sum[r] += static_cast<double>(ball_found);
      if (ball_found > 0) {
        ++answered[r];
        precision_sum[r] += static_cast<double>(ball_relevant) / static_cast<double>(ball_found);
      }
      if (total_relevant > 0)
        recall_sum[r] += static_cast<double>(ball_relevant) / static_cast<double>(total_relevant);
    }
  }
  const double queries = static_cast<double>(query_keys.size());
  std::vector<RetrievalStats> stats(radii);
  for (int r = 0; r < radii; ++r) {
    stats[r].radius = r;
    stats[r].answered = answered[r];
    stats[r].precision = answered[r] > 0 ? precision_sum[r] / static_cast<double>(answered[r])
                                         : std::numeric_limits<double>::quiet_NaN();
    stats[r].recall = queries > 0 ? recall_sum[r] / queries : 0.0;
    stats[r].mean_retrieved = queries > 0 ? retrieved_sum[r] / queries : 0.0;
  }
  return stats;
}

}  // namespace hg::cli
