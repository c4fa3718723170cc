// Semantic hashing (Salakhutdinov & Hinton 2009) on an autoencoder's codes: each code unit
// thresholded to one bit, the bits packed into a 64-bit key, a hash table from keys to the
// database items, and retrieval of every item whose key lies within a Hamming radius of a
// query's key. The math lives here, apart from `hourglass hash`, so tests can check it on
// hand-made codes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace hg::cli {

// How code units become bits: kHalf thresholds at 0.5 (codes of a logistic layer); kMedian at
// each unit's median over the database (balanced bits for unbounded codes); kAuto picks kHalf
// when every database code value lies in [0, 1], else kMedian.
enum class HashThreshold { kAuto, kHalf, kMedian };
HashThreshold parse_hash_threshold(const std::string& text);  // "auto", "0.5", "median"

// The per-unit thresholds for codes [n, bits] (row-major), resolved from `rule` as above (the
// median of an even count is the mean of the two middle values). `resolved` receives the rule
// used (kHalf or kMedian) when non-null.
std::vector<float> hash_thresholds(const std::vector<float>& database_codes, int64_t n,
                                   int64_t bits, HashThreshold rule,
                                   HashThreshold* resolved = nullptr);

// One key per row of codes [n, bits]: bit j set when code[j] > thresholds[j]. 1 <= bits <= 64.
std::vector<uint64_t> binarize_codes(const std::vector<float>& codes, int64_t bits,
                                     const std::vector<float>& thresholds);

// The items of a database by key, each key with the labels of its items counted.
class HashTable {
 public:
  HashTable(const std::vector<uint64_t>& keys, const std::vector<int32_t>& labels, int64_t bits);

  int64_t bits() const { return bits_; }
  int64_t size() const { return size_; }  // items
  int64_t distinct_keys() const { return static_cast<int64_t>(buckets_.size()); }
  int64_t label_count(int32_t label) const;  // database items with this label

  struct Bucket {
    std::vector<int64_t> items;
    std::unordered_map<int32_t, int64_t> labels;  // label -> items with it
  };
  // Calls visit(distance, bucket) for every non-empty bucket whose key lies within `radius` of
  // `key`: by flipping up to `radius` bits when that is fewer lookups than there are buckets,
  // else by scanning the buckets.
  template <class Visit>
  void for_each_within(uint64_t key, int radius, Visit visit) const;

 private:
  int64_t bits_;
  int64_t size_ = 0;
  std::unordered_map<uint64_t, Bucket> buckets_;
  std::unordered_map<int32_t, int64_t> label_totals_;
  void visit_flips(uint64_t key, int64_t from_bit, int flips_left, int distance,
                   const std::function<void(int, const Bucket&)>& visit) const;
};

// Retrieval quality within radius r, averaged over the queries:
//   precision: the share of a query's retrieved items that carry its label, averaged over the
//              queries that retrieve anything (`answered` of them; NaN when none do);
//   recall:    the share of the database items with the query's label that are retrieved,
//              averaged over all queries (0 for a query nothing is retrieved for, and for one
//              whose label the database lacks);
//   mean_retrieved: items retrieved per query.
struct RetrievalStats {
  int radius = 0;
  double precision = 0.0;
  double recall = 0.0;
  double mean_retrieved = 0.0;
  int64_t answered = 0;
};

// The stats at every radius 0..max_radius (index r), from one pass per query.
std::vector<RetrievalStats> retrieval_stats(const HashTable& table,
                                            const std::vector<uint64_t>& query_keys,
                                            const std::vector<int32_t>& query_labels,
                                            int max_radius);

// ---- template definition ----------------------------------------------------------------

template <class Visit>
void HashTable::for_each_within(uint64_t key, int radius, Visit visit) const {
  // Lookups needed to enumerate the ball: sum_{d <= radius} C(bits, d) (saturating).
  double lookups = 0.0, term = 1.0;
  for (int d = 0; d <= radius && d <= bits_; ++d) {
    lookups += term;
    term = term * static_cast<double>(bits_ - d) / static_cast<double>(d + 1);
  }
  if (lookups <= static_cast<double>(buckets_.size())) {
    visit_flips(key, 0, radius, 0, [&](int distance, const Bucket& b) { visit(distance, b); });
    return;
  }
  for (const auto& [other, bucket] : buckets_) {
    const int distance = __builtin_popcountll(key ^ other);
    if (distance <= radius) visit(distance, bucket);
  }
}

}  // namespace hg::cli
