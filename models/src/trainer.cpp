// The training loop. Loss sums (the total and every objective term) are kept on the model's
// device and read back only when the progress line is redrawn, when a step is logged, and at the
// end of the epoch, so a GPU step does not wait for the host. A run can stop between two steps
// (stop_requested) and hand over its position (on_stop), and continue from one (resume): the
// remaining batches of the epoch, the rest of its noise stream, its running sums.
#include "hourglass/models/trainer.h"

#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <memory>

#include "hourglass/core/autograd.h"
#include "hourglass/core/device.h"
#include "hourglass/core/error.h"
#include "hourglass/core/rng.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/ops/loss.h"
#include "step_graph.h"

namespace hg::models {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// running += value * samples, off the tape. The sum of per-batch means weighted by batch size,
// divided by the sample count, is the mean over every element (all samples have equal size).
Tensor accumulate(const Tensor& running, const Tensor& value, int64_t samples) {
  const Tensor weighted = mul(value.detach(), static_cast<float>(samples));
  return running.defined() ? add(running, weighted) : weighted;
}

// The same in place: `running` keeps its storage, so a captured step's sums accumulate when the
// graph is replayed. 1 * w + 1 * r rounds exactly like r + w.
void accumulate_into(Tensor& running, const Tensor& value, int64_t samples) {
  const Tensor weighted = mul(value.detach(), static_cast<float>(samples));
  if (!running.defined()) {
    running = weighted;
    return;
  }
  backend_for(running.device())
      .axpby(1.0f, weighted.data<float>(), 1.0f, running.data<float>(), running.numel());
}

// Per-sample sums of an objective's total and terms, on the device.
class TermSums {
 public:
  void add(const Objective& objective, int64_t samples) {
    if (names_.empty() && sums_.empty()) {
      for (const LossTerm& term : objective.terms)
        names_.push_back(term.name);
      sums_.resize(names_.size());
    }
    HG_CHECK(objective.terms.size() == names_.size(),
             "the objective's terms changed between batches: ", names_.size(), " then ",
             objective.terms.size());
    for (size_t i = 0; i < names_.size(); ++i) {
      HG_CHECK(objective.terms[i].name == names_[i], "the objective's term ", i, " changed from '",
               names_[i], "' to '", objective.terms[i].name, "' between batches");
      accumulate_into(sums_[i], objective.terms[i].value, samples);
    }
    accumulate_into(total_, objective.total, samples);
    samples_ += samples;
  }
  // A replayed step accumulated on the device; only the sample count is the host's.
  void count_replayed(int64_t samples) { samples_ += samples; }
  // Continues the sums of an interrupted epoch (TrainPosition's).
  void restore(const TrainPosition& position) {
    names_ = position.term_names;
    sums_.clear();
    for (const Tensor& sum : position.term_sums)
      sums_.push_back(sum.clone());  // accumulated in place: never into the caller's tensors
    total_ = position.total_sum.clone();
    samples_ = position.samples;
  }
  void save(TrainPosition* position) const {
    position->term_names = names_;
    position->term_sums = sums_;
    position->total_sum = total_;
    position->samples = samples_;
  }
  int64_t samples() const { return samples_; }
  double total_mean() const { return static_cast<double>(total_.item()) / samples_; }
  std::vector<TermValue> term_means() const {
    std::vector<TermValue> out;
    for (size_t i = 0; i < names_.size(); ++i)
      out.push_back({names_[i], static_cast<double>(sums_[i].item()) / samples_});
    return out;
  }

 private:
  std::vector<std::string> names_;
  std::vector<Tensor> sums_;
  Tensor total_;
  int64_t samples_ = 0;
};

// Corruption noise streams of one seed: region 0 for evaluation, region e + 1 for training epoch
// e. A region spans 2^40 Philox counters (4 numbers each), far more than an epoch draws.
constexpr int kRegionBits = 40;
Generator corruption_generator(uint64_t seed, uint64_t region, uint64_t offset = 0) {
  Generator gen(seed);
  gen.set_state(seed, (region << kRegionBits) + offset);
  return gen;
}

Tensor maybe_corrupt(const Tensor& x, const CorruptionOptions& corruption, Generator& gen) {
  return corruption.kind == Corruption::kNone ? x : corrupt(x, corruption, &gen);
}

}  // namespace

ReconstructionLoss parse_reconstruction_loss(const std::string& name) {
  if (name == "mse") return ReconstructionLoss::kMse;
  if (name == "bce") return ReconstructionLoss::kBce;
  HG_FAIL("unknown loss '", name, "': expected mse or bce");
}

const char* loss_name(ReconstructionLoss loss) {
  return loss == ReconstructionLoss::kMse ? "mse" : "bce";
}

Tensor reconstruction_loss(Autoencoder& model, const Tensor& input, const Tensor& target,
                           ReconstructionLoss loss) {
  if (loss == ReconstructionLoss::kBce && model.output_is_sigmoid()) {
    const Tensor logits = model.forward_logits(input);
    return bce_with_logits(logits, target.reshape(logits.shape().dims()));
  }
  const Tensor out = model.forward(input);
  const Tensor shaped = target.reshape(out.shape().dims());
  return loss == ReconstructionLoss::kMse ? mse_loss(out, shaped)
                                          : binary_cross_entropy(out, shaped);
}

Tensor reconstruction_loss_from_code(Autoencoder& model, const Tensor& code, const Tensor& target,
                                     ReconstructionLoss loss) {
  if (loss == ReconstructionLoss::kBce && model.output_is_sigmoid()) {
    const Tensor logits = model.decode_logits(code);
    return bce_with_logits(logits, target.reshape(logits.shape().dims()));
  }
  const Tensor out = model.decode(code);
  const Tensor shaped = target.reshape(out.shape().dims());
  return loss == ReconstructionLoss::kMse ? mse_loss(out, shaped)
                                          : binary_cross_entropy(out, shaped);
}

Objective Autoencoder::objective(const Tensor& input, const Tensor& target,
                                 ReconstructionLoss loss) {
  const Tensor reconstruction = reconstruction_loss(*this, input, target, loss);
  return Objective{reconstruction, {{"reconstruction", reconstruction}}};
}

Evaluation evaluate_objective(Autoencoder& model, data::DataLoader& loader, ReconstructionLoss loss,
                              const CorruptionOptions& corruption, uint64_t corruption_seed) {
  NoGrad no_grad;
  const bool was_training = model.is_training();
  model.eval();
  Generator gen = corruption_generator(corruption_seed, 0);
  TermSums sums;
  try {
    for (const data::Batch& batch : loader) {
      const Tensor input = maybe_corrupt(batch.inputs, corruption, gen);
      sums.add(model.objective(input, batch.inputs, loss), batch.size());
    }
  } catch (...) {
    model.train(was_training);
    throw;
  }
  model.train(was_training);
  HG_CHECK(sums.samples() > 0, "evaluation over an empty data loader");
  return Evaluation{sums.total_mean(), sums.term_means()};
}

double evaluate_reconstruction(Autoencoder& model, data::DataLoader& loader,
                               ReconstructionLoss loss) {
  NoGrad no_grad;
  const bool was_training = model.is_training();
  model.eval();
  Tensor running;
  int64_t samples = 0;
  for (const data::Batch& batch : loader) {
    running = accumulate(running, reconstruction_loss(model, batch.inputs, loss), batch.size());
    samples += batch.size();
  }
  model.train(was_training);
  HG_CHECK(samples > 0, "evaluation over an empty data loader");
  return static_cast<double>(running.item()) / static_cast<double>(samples);
}

std::vector<EpochRecord> train_autoencoder(Autoencoder& model, optim::Optimizer& optimizer,
                                           data::DataLoader& train, data::DataLoader* test,
                                           const TrainOptions& options) {
  HG_CHECK(options.epochs >= 0 && options.start_epoch >= 0,
           "epochs and start_epoch must be >= 0, got ", options.epochs, " and ",
           options.start_epoch);
  HG_CHECK(options.log_every_steps >= 0, "log_every_steps must be >= 0, got ",
           options.log_every_steps);
  HG_CHECK(train.num_batches() > 0, "the training set (", train.dataset().size(),
           " samples) yields no batch of ", train.options().batch_size,
           train.options().drop_last ? " with drop_last" : "");
  const TrainPosition& resume = options.resume;
  const bool resuming = resume.step > 0;
  if (resuming) {
    HG_CHECK(resume.epoch == options.start_epoch, "resuming inside epoch ", resume.epoch + 1,
             " needs start_epoch ", resume.epoch, ", got ", options.start_epoch);
    HG_CHECK(resume.step <= train.num_batches(), "resuming after ", resume.step,
             " batches of an epoch that has ", train.num_batches());
    HG_CHECK(resume.term_names.size() == resume.term_sums.size() && resume.total_sum.defined(),
             "resuming mid-epoch needs the epoch's running sums");
  }
  const int64_t last_epoch = options.start_epoch + options.epochs;
  const bool log_steps = options.log_every_steps > 0 && options.on_step != nullptr;
  const std::function<void(const std::string&)> note = [&options](const std::string& line) {
    if (options.on_note) {
      options.on_note(line);
    } else {
      std::cerr << line << std::endl;
    }
  };
  std::vector<EpochRecord> history;
  for (int64_t epoch = options.start_epoch; epoch < last_epoch; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    const bool resumed_epoch = resuming && epoch == options.start_epoch;
    const double earlier_seconds = resumed_epoch ? resume.train_seconds : 0.0;
    model.train();
    model.on_epoch_start(epoch, last_epoch);
    train.set_epoch(epoch);
    const uint64_t region = static_cast<uint64_t>(epoch) + 1;
    Generator noise = corruption_generator(options.corruption_seed, region,
                                           resumed_epoch ? resume.noise_offset : 0);
    // The progress line counts this session's samples, so its rate and ETA stay true after a
    // resume in the middle of the epoch.
    const int64_t earlier_samples = resumed_epoch ? resume.samples : 0;
    std::unique_ptr<Progress> progress;
    if (options.progress) {
      progress = std::make_unique<Progress>(
          "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(last_epoch),
          train.samples_per_epoch() - earlier_samples, options.progress_options);
    }

    TermSums sums;
    int64_t steps = 0;
    if (resumed_epoch) {
      sums.restore(resume);
      steps = resume.step;
    }
    // The step on a device copy of the batch. With graphs, one epoch's steps are replayed from
    // one capture (step_graph.h); the graph is dropped at the end of the epoch, as epoch starts may
    // change the model (on_epoch_start).
    const auto run_step = [&](const Tensor& inputs) {
      const Tensor input = maybe_corrupt(inputs, options.corruption, noise);
      Objective objective = model.objective(input, inputs, options.loss);
      optimizer.zero_grad();
      backward(objective.total);
      optimizer.step();
      sums.add(objective, inputs.dim(0));
      return objective;
    };
    kernels::Backend& device_backend = backend_for(train.options().device);
    std::unique_ptr<detail::GraphedSteps> graphed;
    if (options.cuda_graph && device_backend.supports_graphs())
      graphed = std::make_unique<detail::GraphedSteps>(train.options().device, optimizer, note);
    const int64_t first_step = steps;
    const int64_t launches_before = device_backend.kernel_launches();
    while (steps < train.num_batches()) {
      Objective objective;
      if (graphed) {
        const Tensor inputs = train.gather_inputs(steps);
        objective = graphed->step(inputs, run_step, [&] { sums.count_replayed(inputs.dim(0)); });
      } else {
        objective = run_step(train.batch(steps).inputs);
      }
      ++steps;
      if (progress && progress->due(sums.samples() - earlier_samples))
        progress->update(sums.samples() - earlier_samples, sums.total_mean());
      if (log_steps && steps % options.log_every_steps == 0) {
        StepRecord record;
        record.epoch = epoch + 1;
        record.step = steps;
        record.global_step = epoch * train.num_batches() + steps;
        record.loss = objective.total.item();
        for (const LossTerm& term : objective.terms)
          record.terms.push_back({term.name, static_cast<double>(term.value.item())});
        options.on_step(record);
      }
      if (options.stop_requested && options.stop_requested()) {
        if (progress) progress->finish(sums.total_mean());
        if (options.on_stop) {
          TrainPosition position;
          position.epoch = epoch;
          position.step = steps;
          position.noise_offset = noise.offset() - (region << kRegionBits);
          sums.save(&position);
          position.train_seconds = earlier_seconds + seconds_since(epoch_start);
          options.on_stop(position);
        }
        return history;
      }
    }
    EpochRecord record;
    record.epoch = epoch + 1;
    record.steps = steps;
    if (steps > first_step)
      record.launches_per_step =
          static_cast<double>(device_backend.kernel_launches() - launches_before) /
          static_cast<double>(steps - first_step);
    record.replayed_steps = graphed ? graphed->replayed_steps() : 0;
    graphed.reset();
    record.train_loss = sums.total_mean();
    record.train_terms = sums.term_means();
    record.train_seconds = earlier_seconds + seconds_since(epoch_start);
    record.samples_per_second = sums.samples() / std::max(record.train_seconds, 1e-9);
    if (progress) progress->finish(record.train_loss);
    HG_CHECK(std::isfinite(record.train_loss), "training diverged in epoch ", epoch + 1,
             ": the mean training loss is ", record.train_loss, " (try a smaller learning rate)");

    if (test != nullptr) {
      const Evaluation evaluation = evaluate_objective(model, *test, options.loss,
                                                       options.corruption, options.corruption_seed);
      record.test_loss = evaluation.loss;
      record.test_terms = evaluation.terms;
    } else {
      record.test_loss = std::numeric_limits<double>::quiet_NaN();
    }
    record.seconds = seconds_since(epoch_start);
    history.push_back(record);
    if (options.on_epoch) options.on_epoch(record);
  }
  return history;
}

}  // namespace hg::models
