// `hourglass denoise`: Gaussian, masking or salt-and-pepper noise removed by a run's model
// (repair_command.h).
#include "repair_command.h"

namespace hg::cli {

Command add_denoise_command(CLI::App& app) {
  return add_repair_command(app, RepairMode::kDenoise);
}

}  // namespace hg::cli
