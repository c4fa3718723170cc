// TEMPORARY (removed by the applications work): placeholders so the tree links.
#include "commands.h"
#include "hourglass/core/error.h"

namespace hg::cli {
Command add_denoise_command(CLI::App& app) {
  app.add_subcommand("denoise", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
Command add_inpaint_command(CLI::App& app) {
  app.add_subcommand("inpaint", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
Command add_super_resolve_command(CLI::App& app) {
  app.add_subcommand("super-resolve", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
Command add_hash_command(CLI::App& app) {
  app.add_subcommand("hash", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
Command add_classify_command(CLI::App& app) {
  app.add_subcommand("classify", "(pending)");
  return [] {
    HG_FAIL("pending");
    return 1;
  };
}
}  // namespace hg::cli
