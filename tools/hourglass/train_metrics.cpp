// Formatting of training progress for the terminal and for metrics.jsonl.
#include "train_metrics.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace hg::cli {
namespace {

nlohmann::json terms_json(const std::vector<models::TermValue>& terms) {
  nlohmann::json j = nlohmann::json::object();
  for (const models::TermValue& t : terms)
    j[t.name] = t.value;
  return j;
}

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

}  // namespace

std::string format_loss(double value) {
  if (std::isnan(value)) return "n/a";
  char text[32];
  std::snprintf(text, sizeof(text), "%.6f", value);
  return text;
}

std::string format_objective(double total, const std::vector<models::TermValue>& terms,
                             const std::string& loss) {
  if (terms.size() <= 1) return loss + " " + format_loss(total);
  std::string text = "loss " + format_loss(total) + " (";
  for (size_t i = 0; i < terms.size(); ++i) {
    text += (i ? ", " : "") + terms[i].name;
    if (terms[i].name == "reconstruction") text += " " + loss;
    text += " " + format_loss(terms[i].value);
  }
  return text + ")";
}

nlohmann::json epoch_json(const models::EpochRecord& r, const std::string& loss, double lr) {
  nlohmann::json j;
  j["phase"] = "train";
  j["epoch"] = r.epoch;
  j["steps"] = r.steps;
  j["loss"] = loss;
  j["train_loss"] = r.train_loss;
  j["test_loss"] = number_or_null(r.test_loss);
  j["train_terms"] = terms_json(r.train_terms);
  j["test_terms"] = terms_json(r.test_terms);
  j["samples_per_second"] = r.samples_per_second;
  j["lr"] = lr;
  j["train_seconds"] = r.train_seconds;
  j["seconds"] = r.seconds;
  j["launches_per_step"] = r.launches_per_step;
  j["replayed_steps"] = r.replayed_steps;
  return j;
}

nlohmann::json step_json(const models::StepRecord& r, double lr, double samples_per_second) {
  return {{"phase", "step"},
          {"epoch", r.epoch},
          {"step", r.step},
          {"global_step", r.global_step},
          {"loss", r.loss},
          {"terms", terms_json(r.terms)},
          {"samples_per_second", samples_per_second},
          {"lr", lr}};
}

namespace {

// The lines of metrics.jsonl (damaged ones dropped) for which keep(record) holds.
template <class Keep>
std::string kept_records(const std::string& metrics_jsonl, Keep keep) {
  std::istringstream lines(metrics_jsonl);
  std::string line, kept;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (keep(j)) kept += line + "\n";
  }
  return kept;
}

}  // namespace

std::string metrics_before(const std::string& metrics_jsonl,
                           const models::TrainPosition& position) {
  return kept_records(metrics_jsonl, [&](const nlohmann::json& j) {
    const std::string phase = j.value("phase", "");
    const int64_t epoch = j.value("epoch", int64_t{0});  // 1-based in the records
    if (phase == "train") return epoch <= position.epoch;
    if (phase == "step")
      return epoch <= position.epoch ||
             (epoch == position.epoch + 1 && j.value("step", int64_t{0}) <= position.step);
    return phase == "pretrain";
  });
}

std::string metrics_before(const std::string& metrics_jsonl,
                           const models::PretrainPosition& position) {
  return kept_records(metrics_jsonl, [&](const nlohmann::json& j) {
    const int64_t layer = j.value("layer", int64_t{0}) - 1;  // 1-based in the records
    return j.value("phase", "") == "pretrain" &&
           (layer < position.layer ||
            (layer == position.layer && j.value("epoch", int64_t{0}) <= position.epochs_done));
  });
}

}  // namespace hg::cli
