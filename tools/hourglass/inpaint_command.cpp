// `hourglass inpaint`: a masked square per image filled in by a run's model (repair_command.h).
#include "repair_command.h"

namespace hg::cli {

Command add_inpaint_command(CLI::App& app) {
  return add_repair_command(app, RepairMode::kInpaint);
}

}  // namespace hg::cli
