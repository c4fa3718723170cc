// report.html: one page per run directory showing what a person wants to see after training:
// the configuration, the final losses, a table of every epoch from metrics.jsonl, and every
// picture present in the directory (pictures.h names them), each with a caption. Self-contained
// HTML (pictures linked by relative path), rewritten atomically after each epoch.
#pragma once

#include <string>

namespace hg::cli {

// Writes RUN_DIR/report.html from RUN_DIR's config.json, metrics.jsonl and pictures.
void write_report(const std::string& run_dir);

}  // namespace hg::cli
