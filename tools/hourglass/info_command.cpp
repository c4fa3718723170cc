// `hourglass info`: the build's options, the CUDA devices this process can use, and the model
// presets `hourglass train --model` knows.
#include <iostream>

#include "commands.h"
#include "hourglass/core/device.h"
#include "hourglass/core/version.h"
#include "hourglass/models/presets.h"

namespace hg::cli {

Command add_info_command(CLI::App& app) {
  app.add_subcommand("info", "Print the build options and the available devices");
  return [] {
    std::cout << build_info();
    const int count = cuda_device_count();
    std::cout << "cuda devices: " << count;
    if (count > 0) std::cout << (cuda_is_emulated() ? " (SIMT emulator)" : " (GPU)");
    std::cout << '\n';
    std::cout << "default device (--device auto): " << Device::parse("auto").str() << '\n';
    std::cout << "presets (hourglass train --model NAME; --help describes them):";
    for (const std::string& name : models::preset_names())
      std::cout << ' ' << name;
    std::cout << '\n';
    return 0;
  };
}

}  // namespace hg::cli
