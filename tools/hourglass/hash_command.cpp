// `hourglass hash`: semantic hashing with a trained run's codes (semantic_hash.h). The database
// (the run's train split, or --database with --database-labels) and the queries (the test split,
// or --queries with --query-labels) are encoded, every code unit is thresholded to a bit (0.5 for
// codes in [0, 1] such as a logistic code layer's, else the unit's median over the database;
// --threshold overrides), the database goes into a hash table keyed by the bits, and each query
// retrieves the items within Hamming radius --radius. Reported for every radius 0..r: the mean
// precision (share of retrieved items with the query's label), the mean recall and the mean
// number retrieved. --output writes the queries' bits as uint8 [N, bits].
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.h"
#include "hourglass/core/error.h"
#include "hourglass/io/npy.h"
#include "model_inputs.h"
#include "pictures.h"
#include "run_command_options.h"
#include "semantic_hash.h"

namespace hg::cli {
namespace {

struct HashArgs {
  RunCommandOptions common;
  std::string database, database_labels, queries, query_labels;
  int radius = 2;
  int64_t bits = 0;  // 0: not checked
  std::string threshold = "auto";
  int64_t database_limit = -1;
};

struct LabeledInputs {
  Tensor inputs;
  std::vector<int32_t> labels;
  std::string source;
};

LabeledInputs labeled_inputs(const LoadedRun& run, const RunCommandOptions& common,
                             const std::string& path, const std::string& labels_path, int64_t limit,
                             data::Split split) {
  LabeledInputs out;
  if (!path.empty()) {
    out.inputs = read_model_inputs(path, run.sample_shape, limit);
    out.labels = read_labels(labels_path).to_vector_i32();
    HG_CHECK(static_cast<int64_t>(out.labels.size()) >= out.inputs.dim(0), "'", labels_path,
             "' holds ", out.labels.size(), " labels for the ", out.inputs.dim(0), " samples of '",
             path, "'");
    out.labels.resize(static_cast<size_t>(out.inputs.dim(0)));
    out.source = path;
    return out;
  }
  RunCommandOptions o = common;
  o.limit = limit;
  const data::Dataset set = load_run_split(run, o, split);
  HG_CHECK(set.labels.defined(), "the ", data::split_name(split), " split of ",
           run_data_dir(run, o), " has no labels; hashing reports precision against labels");
  out.inputs = set.images;
  out.labels = set.labels.to_vector_i32();
  out.source = std::string("the ") + data::split_name(split) + " split";
  return out;
}

int run_hash(const HashArgs& args) {
  LoadedRun run = open_run(args.common);
  const LabeledInputs database =
      labeled_inputs(run, args.common, args.database, args.database_labels, args.database_limit,
                     data::Split::kTrain);
  const LabeledInputs queries = labeled_inputs(run, args.common, args.queries, args.query_labels,
                                               args.common.limit, data::Split::kTest);
  const Tensor database_codes = encode_all(*run.model, database.inputs, args.common.batch);
  const Tensor query_codes = encode_all(*run.model, queries.inputs, args.common.batch);
  const int64_t bits = database_codes.dim(1);
  HG_CHECK(args.bits == 0 || args.bits == bits, "--bits ", args.bits,
           " does not match the run's code size: its codes have ", bits, " units");
  HG_CHECK(bits <= 64, "semantic hashing packs a code into a 64-bit key: the run's codes have ",
           bits, " units; train a model with a code of at most 64 units (--latent)");

  HashThreshold rule = HashThreshold::kAuto;
  const std::vector<float> db_values = database_codes.to_vector();
  const std::vector<float> thresholds = hash_thresholds(
      db_values, database_codes.dim(0), bits, parse_hash_threshold(args.threshold), &rule);
  const std::vector<uint64_t> db_keys = binarize_codes(db_values, bits, thresholds);
  const std::vector<uint64_t> query_keys =
      binarize_codes(query_codes.to_vector(), bits, thresholds);
  const HashTable table(db_keys, database.labels, bits);
  const std::vector<RetrievalStats> stats =
      retrieval_stats(table, query_keys, queries.labels, args.radius);

  std::cout << "hash: " << bits << "-bit codes (threshold "
            << (rule == HashThreshold::kHalf ? "0.5" : "per-unit median") << "), database "
            << table.size() << " items from " << database.source << " in " << table.distinct_keys()
            << " buckets, " << query_keys.size() << " queries from " << queries.source << "\n";
  std::cout << std::fixed << std::setprecision(4);
  for (const RetrievalStats& s : stats) {
    std::cout << "  radius " << s.radius << ": precision ";
    if (std::isnan(s.precision))
      std::cout << "n/a";
    else
      std::cout << s.precision;
    std::cout << ", recall " << s.recall << ", retrieved " << std::setprecision(1)
              << s.mean_retrieved << " per query, " << s.answered << " of " << query_keys.size()
              << " queries answered\n"
              << std::setprecision(4);
  }
  if (!args.common.output.empty()) {
    std::vector<uint8_t> bit_values(query_keys.size() * static_cast<size_t>(bits));
    for (size_t i = 0; i < query_keys.size(); ++i)
      for (int64_t j = 0; j < bits; ++j)
        bit_values[i * bits + j] = static_cast<uint8_t>((query_keys[i] >> j) & 1u);
    io::write_npy(
        args.common.output,
        Tensor::from_vector(bit_values, Shape{static_cast<int64_t>(query_keys.size()), bits}));
    std::cout << "  query codes uint8 [" << query_keys.size() << ", " << bits
              << "]: " << args.common.output << "\n";
  }
  std::cout << std::flush;
  return 0;
}

}  // namespace

Command add_hash_command(CLI::App& app) {
  auto args = std::make_shared<HashArgs>();
  CLI::App* cmd = app.add_subcommand(
      "hash", "Semantic hashing: binary codes, a hash table, queries within a Hamming radius");
  add_run_options(cmd, args->common);
  CLI::Option* database = cmd->add_option(
      "--database", args->database, "Database inputs (.npy or IDX; default: the train split)");
  CLI::Option* database_labels =
      cmd->add_option("--database-labels", args->database_labels,
                      "The database's labels (.npy int32/uint8 [N] or IDX labels)");
  database->needs(database_labels);
  database_labels->needs(database);
  CLI::Option* queries = cmd->add_option("--queries", args->queries,
                                         "Query inputs (.npy or IDX; default: the test split)");
  CLI::Option* query_labels =
      cmd->add_option("--query-labels", args->query_labels, "The queries' labels");
  queries->needs(query_labels);
  query_labels->needs(queries);
  cmd->add_option("--radius", args->radius, "Hamming radius of the retrieval")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  cmd->add_option("--bits", args->bits, "The code size the run must have (a check)")
      ->check(CLI::Range(int64_t{1}, int64_t{64}));
  cmd->add_option("--threshold", args->threshold,
                  "auto (0.5 for codes in [0, 1], else each unit's database median), 0.5 or "
                  "median")
      ->check(CLI::IsMember({"auto", "0.5", "median"}))
      ->capture_default_str();
  cmd->add_option("--database-limit", args->database_limit,
                  "Use only the first N database samples (-1: all)")
      ->check(CLI::Range(int64_t{-1}, int64_t{1} << 40))
      ->capture_default_str();
  add_output_option(cmd, args->common, "Write the queries' bits (uint8 [N, bits]) to this .npy",
                    ".npy", false);
  add_limit_option(cmd, args->common)->description("Use only the first N queries (-1: all)");
  add_batch_option(cmd, args->common);
  add_data_option(cmd, args->common);
  return [args] { return run_hash(*args); };
}

}  // namespace hg::cli
