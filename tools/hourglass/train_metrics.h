// The lines `hourglass train` prints and the metrics.jsonl records it writes: one JSON object per
// epoch ("phase": "train"), per pre-training epoch of stacked models ("phase": "pretrain") and,
// with --log-every N, per N steps ("phase": "step").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hourglass/models/checkpoint.h"
#include "hourglass/models/trainer.h"

namespace hg::cli {

// "0.123456", or "n/a" for NaN.
std::string format_loss(double value);

// "bce 0.123456" for a lone reconstruction term; "loss 0.13 (reconstruction bce 0.12, l1 0.01)"
// when the objective has more terms.
std::string format_objective(double total, const std::vector<models::TermValue>& terms,
                             const std::string& loss);

nlohmann::json epoch_json(const models::EpochRecord& record, const std::string& loss, double lr);
nlohmann::json step_json(const models::StepRecord& record, double lr, double samples_per_second);

// The records of an interrupted run's metrics.jsonl that precede `position` (pre-training,
// epochs before position.epoch, steps of that epoch up to position.step), so a resumed run
// appends to its own history without duplicates from work it redoes.
std::string metrics_before(const std::string& metrics_jsonl, const models::TrainPosition& position);
// The same for a run interrupted during pre-training: the pre-training records up to `position`.
std::string metrics_before(const std::string& metrics_jsonl,
                           const models::PretrainPosition& position);

}  // namespace hg::cli
