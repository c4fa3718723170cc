// `hourglass eval`: the training objective of a trained run on its test split (or another
// MNIST-format folder), each term printed, or one JSON line with --json.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "hourglass/data/dataloader.h"
#include "hourglass/models/recipe.h"
#include "hourglass/models/trainer.h"
#include "run_command_options.h"

namespace hg::cli {
namespace {

struct EvalArgs {
  RunCommandOptions common;
  bool json = false;
  CLI::Option* batch_option = nullptr;
};

std::string format_value(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.6f", value);
  return text;
}

int run_eval(const EvalArgs& args) {
  LoadedRun run = open_run(args.common);
  const data::Dataset test = load_run_split(run, args.common, data::Split::kTest);
  const models::Recipe& recipe = run.run.recipe;

  data::DataLoaderOptions loader_options;
  loader_options.batch_size = args.batch_option->count() > 0 ? args.common.batch : recipe.batch;
  loader_options.shuffle = false;
  loader_options.device = model_device(*run.model);
  data::DataLoader loader(test, loader_options);
  // Corrupting models are scored as train scores them on the test split: corrupted inputs from
  // the run's seed, clean targets.
  const models::Evaluation e = models::evaluate_objective(
      *run.model, loader, models::recipe_loss(recipe), models::recipe_corruption(recipe), run.seed);

  const std::string data_dir = run_data_dir(run, args.common);
  if (args.json) {
    nlohmann::json terms = nlohmann::json::object();
    for (const models::TermValue& t : e.terms)
      terms[t.name] = t.value;
    const nlohmann::json line = {{"run", run.dir},
                                 {"data", data_dir},
                                 {"split", "test"},
                                 {"samples", test.size()},
                                 {"loss_function", recipe.loss},
                                 {"loss", e.loss},
                                 {"terms", terms}};
    std::cout << line.dump() << std::endl;
    return 0;
  }
  std::cout << "eval: " << run.dir << ", test split of " << data_dir << " (" << test.size()
            << " samples)" << std::endl;
  std::cout << "loss " << format_value(e.loss) << std::endl;
  for (const models::TermValue& t : e.terms) {
    std::cout << "  " << t.name << (t.name == "reconstruction" ? " (" + recipe.loss + ")" : "")
              << " " << format_value(t.value) << std::endl;
  }
  return 0;
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd =
      app.add_subcommand("eval", "The training objective of a trained run on its test split");
  add_run_options(cmd, args->common);
  add_data_option(cmd, args->common);
  add_limit_option(cmd, args->common);
  args->batch_option = add_batch_option(cmd, args->common);
  args->batch_option->description("Samples per batch (default: the run's batch size)");
  cmd->add_flag("--json", args->json, "Print one JSON line instead of the text report");
  return [args] { return run_eval(*args); };
}

}  // namespace hg::cli
