// `hourglass train`'s options: registration with CLI11, the presets' --help listing, and the
// resolution of preset or spec + explicit options into one recipe, with the checks of option
// combinations (a run-time hg::Error; the train command turns those it can check while parsing
// into usage errors).
#include "train_options.h"

#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/models/objective_formula.h"

namespace hg::cli {
namespace {

using models::Recipe;

// CLI11 check for --device: the syntax only; availability is checked when the run starts.
std::string check_device(const std::string& text) {
  if (text == "auto" || text == "cpu" || text == "cuda") return "";
  if (text.rfind("cuda:", 0) == 0 && text.size() > 5 &&
      text.find_first_not_of("0123456789", 5) == std::string::npos)
    return "";
  return "expected auto, cpu, cuda or cuda:N, got '" + text + "'";
}

template <class T>
CLI::Option* recipe_option(CLI::App* cmd, TrainArgs& args, const std::string& flag,
                           T Recipe::*field, const std::string& help) {
  CLI::Option* option = cmd->add_option(flag, args.given.*field, help);
  args.recipe_options.push_back(
      {option, flag, [field](Recipe& to, const Recipe& from) { to.*field = from.*field; }});
  return option;
}

bool given(const TrainArgs& args, const std::string& flag) {
  for (const RecipeOption& o : args.recipe_options)
    if (o.flag == flag) return o.option->count() > 0;
  return false;
}

// The flags that only mean something with another setting.
void check_dependencies(const TrainArgs& args, const Recipe& r) {
  auto need = [&](const char* flag, bool ok, const char* requirement) {
    HG_CHECK(!given(args, flag) || ok, flag, " needs ", requirement);
  };
  need("--l1", r.sparsity == "l1", "--sparsity l1");
  need("--rho", r.sparsity == "kl", "--sparsity kl");
  need("--sparsity-weight", r.sparsity == "kl", "--sparsity kl");
  for (const char* flag : {"--k", "--alpha", "--k-start", "--anneal-epochs"})
    need(flag, r.sparsity == "ksparse", "--sparsity ksparse");
  need("--k-start", r.anneal_epochs > 0, "--anneal-epochs N (the epochs over which k anneals)");
  need("--noise-level", r.noise != "none" && r.noise != "grayscale",
       "--noise gaussian, masking, salt-and-pepper, block or downsample");
  need("--momentum", r.optimizer == "sgd", "--optimizer sgd");
  if (given(args, "--sparsity") && r.sparsity == "l1")
    HG_CHECK(r.l1 > 0.0f, "--sparsity l1 needs a positive --l1 LAMBDA, got ", r.l1);
  if (given(args, "--sparsity") && r.sparsity == "kl")
    HG_CHECK(r.sparsity_weight > 0.0f,
             "--sparsity kl needs a positive --sparsity-weight BETA, got ", r.sparsity_weight);
}

}  // namespace

void add_train_options(CLI::App* cmd, TrainArgs& args) {
  // Read before parsing by expand_config_files (config_file.h); registered here for --help.
  cmd->add_option("--config", args.config,
                  "TOML file with any of these options, e.g. epochs = 5 (the command line wins)");
  CLI::Option* model = cmd->add_option("--model", args.model, "Preset (listed below)")
                           ->check(CLI::IsMember(models::preset_names()))
                           ->capture_default_str();
  args.spec_option =
      cmd->add_option("--spec", args.spec,
                      "Model spec file (.json or .toml; see examples/specs/) instead of a preset")
          ->excludes(model);
  args.model_option = model;
  args.data_option =
      cmd->add_option("--data", args.data,
                      "mnist, fashion-mnist (from $HG_DATA_DIR or data/ in the repository, fetched "
                      "when missing), or a folder with the four IDX files (optionally .gz) or "
                      "with train_images.npy, train_labels.npy, test_images.npy, test_labels.npy "
                      "(uint8 or float pixels; labels optional)")
          ->capture_default_str();
  args.seed_option = cmd->add_option("--seed", args.seed, "Seed for weights, shuffling and noise")
                         ->capture_default_str();
  cmd->add_option("--device", args.device, "auto, cpu, cuda or cuda:N")
      ->check(CLI::Validator(check_device, "DEVICE"))
      ->capture_default_str();
  cmd->add_option("--conv-impl", args.conv_impl,
                  "Convolutions on a CUDA device: our kernels (native) or cuDNN (builds with "
                  "HG_CUDNN)")
      ->check(CLI::IsMember({"native", "cudnn"}))
      ->capture_default_str();
  cmd->add_option("--cuda-graph", args.cuda_graph,
                  "On a CUDA device: capture one training step per epoch as a CUDA graph and "
                  "replay it (steps that cannot be captured run eagerly, with a note)")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  args.limit_option = cmd->add_option("--limit", args.limit,
                                      "Use only the first N samples of each split (quick runs)")
                          ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--out", args.out, "Run directory (default: runs/<timestamp>)");
  cmd->add_flag("--resume", args.resume,
                "Continue the run in --out from its last checkpoint up to --epochs in total "
                "(its model, data and recipe come from the run directory)");
  cmd->add_flag("--overwrite", args.overwrite,
                "Replace the run already in --out (its files are removed first); without it, "
                "a --out folder holding a run is refused");
  cmd->add_option("--log-every", args.log_every,
                  "Also write a metrics.jsonl record every N training steps")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  cmd->add_flag("!--no-pictures", args.pictures,
                "Skip the pictures and report.html (reconstructions, samples, latent map, loss "
                "curves)");

  const std::string recipe = "Recipe (default: the preset's or spec's)";
  recipe_option(cmd, args, "--epochs", &Recipe::epochs, "Number of epochs")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}))
      ->group(recipe);
  recipe_option(cmd, args, "--batch", &Recipe::batch, "Batch size")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->group(recipe);
  recipe_option(cmd, args, "--optimizer", &Recipe::optimizer, "Optimizer")
      ->check(CLI::IsMember({"adam", "adamw", "sgd", "adadelta", "adagrad"}))
      ->group(recipe);
  recipe_option(cmd, args, "--lr", &Recipe::lr, "Learning rate")
      ->check(CLI::PositiveNumber)
      ->group(recipe);
  recipe_option(cmd, args, "--momentum", &Recipe::momentum, "SGD momentum")
      ->check(CLI::Range(0.0f, 0.999f))
      ->group(recipe);
  recipe_option(cmd, args, "--loss", &Recipe::loss, "Reconstruction loss")
      ->check(CLI::IsMember({"mse", "bce"}))
      ->group(recipe);
  recipe_option(cmd, args, "--pretrain-epochs", &Recipe::pretrain_epochs,
                "Greedy pre-training epochs per layer (hinton)")
      ->check(CLI::Range(int64_t{0}, int64_t{100000}))
      ->group(recipe);

  const std::string variant = "Variant (default: the preset's or spec's)";
  recipe_option(cmd, args, "--latent", &Recipe::latent,
                "Code size: dense code units, conv code channels, VAE latent dimension")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->group(variant);
  CLI::Option* tied = cmd->add_flag("--tied,!--untied", args.given.tied,
                                    "Tie the decoder's weights to the encoder's (dense)");
  tied->group(variant);
  args.recipe_options.push_back(
      {tied, "--tied", [](Recipe& to, const Recipe& from) { to.tied = from.tied; }});
  recipe_option(cmd, args, "--noise", &Recipe::noise,
                "Transform the training inputs (targets stay clean): gaussian, masking, "
                "salt-and-pepper (denoising), block (inpainting), downsample "
                "(super-resolution), grayscale (colorization)")
      ->check(CLI::IsMember(
          {"none", "gaussian", "masking", "salt-and-pepper", "block", "downsample", "grayscale"}))
      ->group(variant);
  recipe_option(cmd, args, "--noise-level", &Recipe::noise_level,
                "gaussian: sigma; masking, salt-and-pepper: the share of inputs hit; block: the "
                "square's side in pixels; downsample: the factor")
      ->check(CLI::NonNegativeNumber)
      ->group(variant);
  recipe_option(cmd, args, "--sparsity", &Recipe::sparsity, "Code regularizer (dense)")
      ->check(CLI::IsMember({"none", "l1", "kl", "ksparse"}))
      ->group(variant);
  recipe_option(cmd, args, "--l1", &Recipe::l1, "l1: lambda, per-sample L1 of the code")
      ->check(CLI::NonNegativeNumber)
      ->group(variant);
  recipe_option(cmd, args, "--rho", &Recipe::rho, "kl: target mean activation")
      ->check(CLI::Range(0.0f, 1.0f))
      ->group(variant);
  recipe_option(cmd, args, "--sparsity-weight", &Recipe::sparsity_weight,
                "kl: beta, the weight of the KL sparsity penalty")
      ->check(CLI::NonNegativeNumber)
      ->group(variant);
  recipe_option(cmd, args, "--k", &Recipe::k, "ksparse: units kept per sample in training")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->group(variant);
  recipe_option(cmd, args, "--alpha", &Recipe::alpha, "ksparse: alpha * k units kept when encoding")
      ->check(CLI::Range(1.0f, 1e6f))
      ->group(variant);
  recipe_option(cmd, args, "--k-start", &Recipe::k_start, "ksparse: k of the first epoch")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->group(variant);
  recipe_option(cmd, args, "--anneal-epochs", &Recipe::anneal_epochs,
                "ksparse: epochs over which k goes from --k-start to --k")
      ->check(CLI::Range(int64_t{0}, int64_t{100000}))
      ->group(variant);
  recipe_option(cmd, args, "--contractive", &Recipe::contractive,
                "Contractive penalty lambda (dense; first layer, closed form), as in Rifai et al. "
                "2011: the weight of ||J_f(x)||_F^2 against the reconstruction loss summed over "
                "the D pixels; the engine's per-pixel mean loss gets lambda / D")
      ->check(CLI::NonNegativeNumber)
      ->group(variant);
  recipe_option(cmd, args, "--beta", &Recipe::beta, "VAE: the KL term's weight")
      ->check(CLI::NonNegativeNumber)
      ->group(variant);

  const std::string dense = "Dense presets' layers";
  args.hidden_option =
      cmd->add_option(
             "--hidden", args.hidden,
             "Encoder layer sizes after the input, the last being the code (e.g. 128,64,32)")
          ->delimiter(',')
          ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
          ->group(dense);
  args.activation_option =
      cmd->add_option("--activation", args.activation, "Hidden and code activation")
          ->check(CLI::IsMember({"relu", "leaky_relu", "sigmoid", "tanh", "softplus", "identity"}))
          ->group(dense);
  args.output_activation_option =
      cmd->add_option("--output-activation", args.output_activation, "Output activation")
          ->check(CLI::IsMember({"sigmoid", "identity"}))
          ->group(dense);
}

ResolvedRun resolve_run(const TrainArgs& args, bool read_spec) {
  ResolvedRun run;
  const bool spec = args.spec_option->count() > 0;
  if (spec) {
    if (!read_spec) return run;
    run.spec = models::load_model_spec(args.spec);
    run.recipe = run.spec->recipe;
  } else {
    run.preset = &models::find_preset(args.model);
    run.recipe = run.preset->recipe;
  }
  for (const RecipeOption& o : args.recipe_options) {
    if (o.option->count() == 0) continue;
    o.copy(run.recipe, args.given);
    run.overrides.push_back(o.flag);
  }
  const bool layers_given = args.hidden_option->count() > 0 ||
                            args.activation_option->count() > 0 ||
                            args.output_activation_option->count() > 0;
  if (layers_given) {
    HG_CHECK(!spec,
             "--hidden, --activation and --output-activation reshape dense presets; a spec "
             "file describes its own layers");
    models::DenseArchitecture arch = run.preset->dense;
    if (args.hidden_option->count() > 0) {
      arch.hidden = args.hidden;
      if (!given(args, "--latent")) run.recipe.latent = args.hidden.back();
    }
    if (args.activation_option->count() > 0) {
      arch.hidden_activation = args.activation;
      arch.code_activation.clear();
    }
    if (args.output_activation_option->count() > 0) arch.output_activation = args.output_activation;
    run.dense = arch;
  }
  check_dependencies(args, run.recipe);
  if (run.preset != nullptr) {
    models::check_preset_recipe(*run.preset, run.recipe, run.dense ? &*run.dense : nullptr);
  } else {
    try {
      models::validate_recipe(run.recipe);
    } catch (const Error& e) {
      HG_FAIL(args.spec, ": ", e.what());
    }
  }
  return run;
}

void check_resume_flags(const TrainArgs& args) {
  HG_CHECK(!(args.resume && args.overwrite),
           "--resume continues the run in --out and --overwrite replaces it; give one of them");
  if (!args.resume) return;
  HG_CHECK(!args.out.empty(), "--resume needs --out RUN_DIR, the run to continue");
  std::vector<std::string> refused;
  for (const CLI::Option* o :
       {args.model_option, args.spec_option, args.data_option, args.seed_option, args.limit_option,
        args.hidden_option, args.activation_option, args.output_activation_option}) {
    if (o->count() > 0) refused.push_back(o->get_name());
  }
  for (const RecipeOption& o : args.recipe_options) {
    if (o.option->count() > 0 && o.flag != "--epochs") refused.push_back(o.flag);
  }
  if (refused.empty()) return;
  std::string list;
  for (const std::string& flag : refused)
    list += (list.empty() ? "" : ", ") + flag;
  HG_FAIL("--resume continues the run with its own settings; ", list,
          refused.size() == 1 ? " is" : " are",
          " not allowed (only --epochs, --device, --conv-impl, --cuda-graph, --log-every, "
          "--no-pictures)");
}

std::string presets_help() {
  std::ostringstream out;
  out << "Presets (--model NAME; every recipe value can be overridden, e.g. --epochs 5):\n";
  for (const models::Preset& p : models::presets()) {
    out << "  " << p.name << std::string(p.name.size() < 14 ? 14 - p.name.size() : 1, ' ')
        << p.summary << "\n"
        << std::string(16, ' ') << models::recipe_summary(p.recipe);
    const std::string variant = models::variant_summary(p.recipe);
    if (!variant.empty()) out << "; " << variant;
    out << "\n" << std::string(16, ' ') << "source: " << p.source << "\n";
    out << std::string(16, ' ') << "objective (MNIST): "
        << models::objective_formula(p.recipe, p.family == models::ModelFamily::kVae, 784) << "\n";
  }
  out << "Spec files (--spec FILE.toml|json) describe the layers instead; see "
         "examples/specs/ and models/include/hourglass/models/spec.h.";
  return out.str();
}

}  // namespace hg::cli
