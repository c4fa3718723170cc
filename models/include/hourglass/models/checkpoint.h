// Checkpoints of a training run, in the three files of a run directory:
//
// model.safetensors: every parameter under its PyTorch state_dict name and layout
//   ("encoder.0.weight" [64, 784], ...), float32, so the equivalent torch.nn model loads it with
//   load_state_dict. Metadata: "format": "hourglass.model/1", "class": the model's type_name(),
//   and, when saved as part of a training checkpoint, the position it was saved at
//   ("position.epoch" / ".step" / ".samples", as in state.safetensors).
//
// model.json: the architecture, enough to rebuild the model in torch.nn (tools/hourglass_torch.py
//   does):
//   {"format": "hourglass.model/1", "class": "DenseAutoencoder",
//    "input_shape": [1, 28, 28],   // one sample as the data gives it
//    "output_is_sigmoid": true, "variational": false, "parameters": 101200,
//    "modules": [["encoder", NODE], ["decoder", NODE]],   // the model's children, in order
//    "forward": FORWARD}
//   NODE = {"type": "Sequential", "children": [["0", NODE], ...]} for containers, else
//          {"type": "Linear", "args": {"in_features": 784, "out_features": 64, "bias": true}}
//          (type_name() and torch_arguments(): torch.nn.<type>(**args), lists as tuples); a
//          Conv2d with Keras 'same' padding at stride > 1 (which depends on the input size) has
//          "padding": [0, 0] in its args and "pad": "same" beside them: the input is padded as
//          TensorFlow does (total max((ceil(in / s) - 1) s + d (k - 1) + 1 - in, 0) per axis, the
//          extra row / column at the bottom / right) before the convolution; a tied decoder layer
//          is
//          {"type": "TiedLinear", "args": {"in_features": 64, "out_features": 784},
//           "tied_to": "encoder.0.weight"}  (F.linear(x, tied_to.t(), bias), owning only "bias").
//   FORWARD, by "kind":
//     "autoencoder": x reshaped to [N, *"encoder_input"]; code = encoder(x); with "top_k": K the
//                    code keeps its K largest entries per sample (others 0); out = decoder(code).
//     "vae_mlp":     x flattened; h = act(fc1(x)) (act: "hidden_activation"); mu = fc21(h);
//                    out = sigmoid(fc4(act(fc3(mu)))) (reconstruction from the mean code).
//     "vae_conv":    mu = fc_mu(encoder(x reshaped to [N, *"encoder_input"]) flattened to [N, -1]);
//                    out = decoder(mu).
//
// state.safetensors: what resuming needs beyond the weights: the optimizer's state tensors under
//   "optimizer.<param index>.<key>" (PyTorch's keys: "exp_avg", "step", ...), the running sums of
//   an unfinished epoch under "epoch.total_sum" and "epoch.term.<name>", and in the metadata the
//   position (epoch, step, noise_offset, samples, train_seconds), the optimizer's name and
//   steps_taken, and each generator's seed and offset (the default generator and the model's
//   own, "generator.<name>.seed" / ".offset"), as decimal strings. Keys: "format":
//   "hourglass.state/1", "class", "position.epoch" / ".step" / ".noise_offset" (the offset past
//   the start of the epoch's corruption stream) / ".samples" / ".train_seconds" (%.17g),
//   "epoch.term_names" (a JSON array of the term names, in the objective's order),
//   "optimizer.name" / ".steps_taken" / ".parameters" (the parameter count).
//
// Greedy pre-training of a stacked model is checkpointed too, after every epoch of every layer:
//   model.safetensors then records "pretrain.layer" / ".epochs_done" instead of a training
//   position, and state.safetensors holds "phase": "pretrain", the same two keys, the layer's
//   optimizer state (as above, over that layer's encoder and decoder parameters), its noise
//   generator ("generator.pretrain_noise.seed" / ".offset") and the default generator.
//
// A checkpoint is committed as a whole (commit_checkpoint): the state goes first to
// state.safetensors.next, then model.safetensors is replaced (that rename is the commit point),
// then the .next file takes state.safetensors' place; every step is an atomic write or rename
// followed by an fsync of the directory. Until the commit point the previous pair is untouched;
// after it the new weights are on disk beside a state file of their position.
// recover_checkpoint() finishes or discards an interrupted commit, so a crash at any moment leaves
// a folder that resumes from the old or the new checkpoint. check_checkpoint_pair() still refuses
// a pair from different positions (written by something else). Loading checks everything against
// the model and optimizer it fills (names, shapes, optimizer kind, parameter count) and says what
// differs; nothing is modified unless the whole file fits.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hourglass/core/rng.h"
#include "hourglass/models/autoencoder.h"
#include "hourglass/models/trainer.h"
#include "hourglass/optim/optimizer.h"

namespace hg::models {

// Where greedy pre-training stands: layers below `layer` are done, `layer` has done
// `epochs_done` epochs (see StackedAutoencoder::pretrain and PretrainResume).
struct PretrainPosition {
  int64_t layer = 0;
  int64_t epochs_done = 0;
};

// With a position (a training or pre-training checkpoint), the file records it for
// check_checkpoint_pair().
void save_model_weights(const std::string& path, const nn::Module& model,
                        const TrainPosition* position = nullptr);
void save_model_weights(const std::string& path, const nn::Module& model,
                        const PretrainPosition& position);
// Strict: the file must hold exactly the model's parameters with their shapes (missing and
// unexpected names are listed). Values are copied into the existing parameters, on their device.
void load_model_weights(const std::string& path, nn::Module& model);

// model.json's text for `model` trained on samples of `sample_shape`.
std::string model_description_json(const Autoencoder& model,
                                   const std::vector<int64_t>& sample_shape);

void save_training_state(const std::string& path, const optim::Optimizer& optimizer,
                         Autoencoder& model, const TrainPosition& position);
// Restores the optimizer's state and step count, the model's generators and the default
// generator; returns the position to resume from (its sums on the model's device).
// A pre-training state file is refused (load_pretraining_position tells the two apart).
TrainPosition load_training_state(const std::string& path, optim::Optimizer& optimizer,
                                  Autoencoder& model);

// The state of greedy pre-training after an epoch: `optimizer` and `noise` are the layer's.
void save_pretraining_state(const std::string& path, const optim::Optimizer& optimizer,
                            const Generator& noise, const Autoencoder& model,
                            const PretrainPosition& position);
// For a pre-training state file: its position, with the default generator restored. For a
// training one: nullopt, and nothing restored.
std::optional<PretrainPosition> load_pretraining_position(const std::string& path);
// The pre-trained layer's optimizer state and noise generator (PretrainResume::restore); checks
// them against `optimizer` and `noise` (which must be that layer's) before changing anything.
void load_pretraining_optimizer(const std::string& path, optim::Optimizer& optimizer,
                                Generator& noise);

// Writes one checkpoint pair atomically as a whole (see above): `write_state(path)` and
// `write_weights(path)` each write one file atomically at the path they are given.
void commit_checkpoint(const std::string& weights_path, const std::string& state_path,
                       const std::function<void(const std::string&)>& write_weights,
                       const std::function<void(const std::string&)>& write_state);
// After a crash: completes a commit that passed its commit point (the weights record the position
// of state.safetensors.next) or discards one that did not, and removes temporary files of
// interrupted atomic writes beside the two files. Call before reading the pair.
void recover_checkpoint(const std::string& weights_path, const std::string& state_path);
// The name of the state file of a commit in progress.
std::string pending_state_path(const std::string& state_path);

// hg::Error when the weights file records a position (training: epoch, step, samples;
// pre-training: layer, epochs done) other than the state file's: the two were not written by one
// checkpoint. Weights saved without a position
// (outside a training run) pass. Reads both files, changes nothing.
void check_checkpoint_pair(const std::string& weights_path, const std::string& state_path);

}  // namespace hg::models
