// `hourglass super-resolve`: block-averaged (downsampled) images sharpened by a run's model
// (repair_command.h).
#include "repair_command.h"

namespace hg::cli {

Command add_super_resolve_command(CLI::App& app) {
  return add_repair_command(app, RepairMode::kSuperResolve);
}

}  // namespace hg::cli
