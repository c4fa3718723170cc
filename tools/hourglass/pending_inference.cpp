// TEMPORARY (removed by the inference-commands work): placeholders so the tree links.
#include "commands.h"
#include "hourglass/core/error.h"
#include "model_inputs.h"
#include "pictures.h"
#include "run_config.h"

namespace hg::cli {
nlohmann::json build_config_json(const ResolvedRun&, const std::vector<int64_t>&, uint64_t,
                                 const std::string&) {
  HG_FAIL("pending");
}
ResolvedRun resolved_run_from_build(const nlohmann::json&, const std::string&) {
  HG_FAIL("pending");
}
std::unique_ptr<models::Autoencoder> build_model(const ResolvedRun&, const std::vector<int64_t>&,
                                                 uint64_t) {
  HG_FAIL("pending");
}
LoadedRun load_run(const std::string&, Device) {
  HG_FAIL("pending");
}
Tensor read_model_inputs(const std::string&, const std::vector<int64_t>&, int64_t) {
  HG_FAIL("pending");
}
Tensor read_labels(const std::string&) {
  HG_FAIL("pending");
}
io::Image reconstruction_picture(models::Autoencoder&, const Tensor&, const Tensor&) {
  HG_FAIL("pending");
}
Tensor generate_samples(models::Autoencoder&, const Tensor&, int64_t, Generator&) {
  HG_FAIL("pending");
}
Tensor interpolate(models::Autoencoder&, const Tensor&, const Tensor&, int64_t) {
  HG_FAIL("pending");
}
Projection2d project_codes_2d(const Tensor&) {
  HG_FAIL("pending");
}
Tensor encode_all(models::Autoencoder&, const Tensor&, int64_t) {
  HG_FAIL("pending");
}
io::Image latent_map_picture(const Projection2d&, const std::vector<int32_t>&, const std::string&) {
  HG_FAIL("pending");
}
io::Image loss_curve_picture(const std::string&) {
  HG_FAIL("pending");
}
Command add_eval_command(CLI::App& app) {
  app.add_subcommand("eval", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
Command add_encode_command(CLI::App& app) {
  app.add_subcommand("encode", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
Command add_decode_command(CLI::App& app) {
  app.add_subcommand("decode", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
Command add_reconstruct_command(CLI::App& app) {
  app.add_subcommand("reconstruct", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
Command add_sample_command(CLI::App& app) {
  app.add_subcommand("sample", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
Command add_interpolate_command(CLI::App& app) {
  app.add_subcommand("interpolate", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
Command add_latent_map_command(CLI::App& app) {
  app.add_subcommand("latent-map", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
}  // namespace hg::cli
