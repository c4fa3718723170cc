// Autoencoder: the interface the training loop sees. A model maps an input to a code (encode)
// and back (decode). Models whose decoder ends in a sigmoid also expose the pre-sigmoid output
// (decode_logits), so binary cross-entropy can be computed from logits, stably and with the
// exact gradient, instead of from probabilities that saturate at 0 and 1.
#pragma once

#include "hourglass/nn/module.h"

namespace hg::models {

class Autoencoder : public nn::Module {
 public:
  virtual Tensor encode(const Tensor& x) = 0;
  virtual Tensor decode(const Tensor& z) = 0;
  // True when decode(z) == sigmoid(decode_logits(z)).
  virtual bool output_is_sigmoid() const { return false; }
  // The decoder's output before its final sigmoid. Throws hg::Error unless output_is_sigmoid().
  virtual Tensor decode_logits(const Tensor& z);

  Tensor forward(const Tensor& x) override { return decode(encode(x)); }
  Tensor forward_logits(const Tensor& x) { return decode_logits(encode(x)); }

  // One line for logs: architecture, activations, parameter count.
  virtual std::string describe() const { return type_name(); }
  int64_t num_parameters() const;
};

}  // namespace hg::models
