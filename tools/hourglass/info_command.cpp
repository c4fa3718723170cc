// `hourglass info`: the build's options, the CUDA devices this process can use, and the model
// presets `hourglass train --model` knows. `info --model NAME` describes one preset in full: its
// layers, recipe, source, the objective it minimises on MNIST, its parameter count, and notes on
// what of the recipe is the source's.
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "hourglass/core/device.h"
#include "hourglass/core/version.h"
#include "hourglass/models/objective_formula.h"
#include "hourglass/models/presets.h"

namespace hg::cli {
namespace {

void print_preset(const models::Preset& preset) {
  const auto model = models::build_preset(preset, preset.recipe, {1, 28, 28}, 0);
  int64_t parameters = 0;
  for (const Tensor& p : model->parameters())
    parameters += p.numel();
  std::cout << "preset: " << preset.name << '\n'
            << "  layers: " << preset.summary << '\n'
            << "  recipe: " << models::recipe_summary(preset.recipe);
  const std::string variant = models::variant_summary(preset.recipe);
  if (!variant.empty()) std::cout << "; " << variant;
  std::cout << '\n'
            << "  source: " << preset.source << '\n'
            << "  objective (MNIST, 784 pixels): "
            << models::objective_formula(preset.recipe, preset.family == models::ModelFamily::kVae,
                                         784)
            << '\n'
            << "  parameters (1x28x28 inputs): " << parameters << '\n'
            << "  notes: " << preset.notes << '\n';
}

}  // namespace

Command add_info_command(CLI::App& app) {
  CLI::App* info = app.add_subcommand(
      "info", "Print the build options and the available devices, or one preset in full");
  auto preset = std::make_shared<std::string>();
  info->add_option("--model", *preset,
                   "Describe this preset: layers, recipe, source, objective, parameters");
  return [preset] {
    if (!preset->empty()) {
      print_preset(models::find_preset(*preset));
      return 0;
    }
    std::cout << build_info();
    const int count = cuda_device_count();
    std::cout << "cuda devices: " << count;
    if (count > 0) std::cout << (cuda_is_emulated() ? " (SIMT emulator)" : " (GPU)");
    std::cout << '\n';
    std::cout << "default device (--device auto): " << Device::parse("auto").str() << '\n';
    std::cout << "presets (hourglass train --model NAME; info --model NAME describes one):";
    for (const std::string& name : models::preset_names())
      std::cout << ' ' << name;
    std::cout << '\n';
    return 0;
  };
}

}  // namespace hg::cli
