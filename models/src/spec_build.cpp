// Building a model from a ModelSpec: per-layer shape inference from the data's sample shape
// (each layer's input size comes from the layer before), the choice between DenseAutoencoder,
// ConvAutoencoder and the spec VAE, and the checks of which variant settings each accepts.
#include <nlohmann/json.hpp>
#include <sstream>

#include "hourglass/core/error.h"
#include "hourglass/core/progress.h"
#include "hourglass/core/rng.h"
#include "hourglass/models/conv_autoencoder.h"
#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/spec.h"
#include "hourglass/models/vae.h"
#include "hourglass/nn/activation.h"
#include "hourglass/nn/conv.h"
#include "hourglass/nn/linear.h"
#include "hourglass/ops/shape_ops.h"
#include "image_batch.h"

namespace hg::models {
namespace {

using Dims = std::vector<int64_t>;

std::string bracketed(const Dims& dims) {
  return "[" + detail::shape_text(dims, ", ") + "]";
}

std::string context(const ModelSpec& spec, const LayerSpec& layer) {
  return spec.file + ": " + layer.where + " (" + layer.type + ")";
}

// A variational autoencoder whose encoder and decoder come from a spec: the encoder's output,
// flattened, feeds fc_mu and fc_logvar; the decoder maps the latent vector back. Parameters are
// named encoder.*, fc_mu.*, fc_logvar.*, decoder.* (as ConvVae's).
class SpecVae : public VariationalAutoencoder {
 public:
  SpecVae(std::string name, Dims input_shape, std::shared_ptr<nn::Sequential> encoder,
          int64_t features, int64_t latent, float beta, uint64_t seed, Generator& gen)
      : VariationalAutoencoder(latent, beta, seed + 1),
        name_(std::move(name)),
        input_shape_(std::move(input_shape)) {
    encoder_ = register_module("encoder", std::move(encoder));
    fc_mu_ = register_module("fc_mu", std::make_shared<nn::Linear>(features, latent, true, &gen));
    fc_logvar_ =
        register_module("fc_logvar", std::make_shared<nn::Linear>(features, latent, true, &gen));
  }
  void set_decoder(std::shared_ptr<nn::Sequential> decoder) {
    decoder_ = register_module("decoder", std::move(decoder));
    output_is_sigmoid_ =
        decoder_->size() > 0 && (*decoder_)[decoder_->size() - 1]->type_name() == "Sigmoid";
  }

  GaussianCode encode_distribution(const Tensor& x) override {
    const Tensor h = encoder_->forward(detail::as_image_batch(x, input_shape_, name_));
    const Tensor flat = h.rank() == 2 ? h : flatten(h, 1);
    return GaussianCode{fc_mu_->forward(flat), fc_logvar_->forward(flat)};
  }
  Tensor decode(const Tensor& z) override { return decoder_->forward(z); }
  bool output_is_sigmoid() const override { return output_is_sigmoid_; }
  Tensor decode_logits(const Tensor& z) override {
    HG_CHECK(output_is_sigmoid_, "spec VAE '", name_,
             "': its decoder does not end in a sigmoid, so it has no logits");
    Tensor y = z;
    for (size_t i = 0; i + 1 < decoder_->size(); ++i)
      y = (*decoder_)[i]->forward(y);
    return y;
  }
  std::string type_name() const override { return "SpecVAE"; }
  // As ConvVae's: fc_mu on the flattened encoder output (checkpoint.h's "vae_conv").
  std::string torch_forward() const override {
    return nlohmann::json{{"kind", "vae_conv"}, {"encoder_input", input_shape_}}.dump();
  }
  std::string describe() const override {
    std::ostringstream text;
    text << "spec vae " << name_ << ": " << detail::shape_text(input_shape_) << " -> ("
         << latent_dim() << " mu, " << latent_dim() << " logvar) -> "
         << detail::shape_text(input_shape_) << ", " << (output_is_sigmoid_ ? "sigmoid" : "linear")
         << " output, beta " << beta() << ", " << format_thousands(num_parameters())
         << " parameters";
    return text.str();
  }

 private:
  std::string name_;
  Dims input_shape_;
  std::shared_ptr<nn::Sequential> encoder_, decoder_;
  std::shared_ptr<nn::Linear> fc_mu_, fc_logvar_;
  bool output_is_sigmoid_ = false;
};

struct BuiltLayers {
  std::shared_ptr<nn::Sequential> modules;
  Dims output_shape;
};

Dims need_image(const ModelSpec& spec, const LayerSpec& layer, const Dims& shape) {
  HG_CHECK(shape.size() == 3, context(spec, layer),
           ": expects an image input [channels, height, width], got ", bracketed(shape),
           shape.size() == 1 ? "; add { layer = \"unflatten\", shape = [C, H, W] } before it" : "");
  return shape;
}

int64_t resolve_out(const LayerSpec& layer, int64_t input_value) {
  return layer.out == kOutInput ? input_value : layer.out;
}

// Appends the modules of `layers` to a Sequential, inferring each one's input size from `shape`
// (the per-sample shape entering the first layer).
BuiltLayers build_layers(const ModelSpec& spec, const std::vector<LayerSpec>& layers, Dims shape,
                         const Dims& input_shape, Generator& gen) {
  auto seq = std::make_shared<nn::Sequential>();
  for (const LayerSpec& l : layers) {
    const std::string where = context(spec, l);
    try {
      if (l.type == "linear") {
        HG_CHECK(shape.size() == 1, where, ": expects a flat input [features], got ",
                 bracketed(shape), "; add \"flatten\" before it");
        const int64_t out = resolve_out(l, detail::product(input_shape));
        seq->add(std::make_shared<nn::Linear>(shape[0], out, l.bias, &gen));
        shape = {out};
      } else if (l.type == "conv2d") {
        need_image(spec, l, shape);
        HG_CHECK(l.out != kOutInput || input_shape.size() == 3, where,
                 ": out = \"input\" needs image inputs [C, H, W], got ", bracketed(input_shape));
        const int64_t out = resolve_out(l, input_shape.empty() ? 0 : input_shape[0]);
        Conv2dOptions options;
        options.stride = l.stride;
        int64_t size[2];
        for (int d = 0; d < 2; ++d) {
          const int64_t in = shape[1 + d];
          if (l.padding_mode == "same") {
            size[d] = (in + l.stride[d] - 1) / l.stride[d];
          } else {
            const int64_t pad = l.padding_mode == "valid" ? 0 : l.padding[d];
            size[d] = conv_output_size(in, l.kernel[d], l.stride[d], pad, 1);
          }
        }
        options.padding = l.padding_mode == "same" ? Padding2d::same()
                          : l.padding_mode == "valid"
                              ? Padding2d::valid()
                              : Padding2d::explicit_(l.padding[0], l.padding[1]);
        seq->add(std::make_shared<nn::Conv2d>(shape[0], out, l.kernel, options, l.bias, &gen));
        shape = {out, size[0], size[1]};
      } else if (l.type == "conv_transpose2d") {
        need_image(spec, l, shape);
        HG_CHECK(l.out != kOutInput || input_shape.size() == 3, where,
                 ": out = \"input\" needs image inputs [C, H, W], got ", bracketed(input_shape));
        const int64_t out = resolve_out(l, input_shape.empty() ? 0 : input_shape[0]);
        for (int d = 0; d < 2; ++d)
          HG_CHECK(l.output_padding[d] < l.stride[d], where,
                   ": output_padding must be smaller than the stride, got ", l.output_padding[d],
                   " with stride ", l.stride[d]);
        ConvTranspose2dOptions options;
        options.stride = l.stride;
        options.padding = l.padding;
        options.output_padding = l.output_padding;
        int64_t size[2];
        for (int d = 0; d < 2; ++d)
          size[d] = conv_transpose_output_size(shape[1 + d], l.kernel[d], l.stride[d], l.padding[d],
                                               l.output_padding[d], 1);
        seq->add(
            std::make_shared<nn::ConvTranspose2d>(shape[0], out, l.kernel, options, l.bias, &gen));
        shape = {out, size[0], size[1]};
      } else if (l.type == "max_pool2d" || l.type == "avg_pool2d") {
        need_image(spec, l, shape);
        Pool2dOptions options;
        options.kernel = l.kernel;
        options.stride = l.stride;
        options.padding = l.padding;
        options.ceil_mode = l.ceil_mode;
        for (int d = 0; d < 2; ++d)
          HG_CHECK(2 * l.padding[d] <= l.kernel[d], where,
                   ": padding must be at most half the kernel, got ", l.padding[d], " for kernel ",
                   l.kernel[d]);
        int64_t size[2];
        for (int d = 0; d < 2; ++d)
          size[d] =
              pool_output_size(shape[1 + d], l.kernel[d], l.stride[d], l.padding[d], l.ceil_mode);
        if (l.type == "max_pool2d")
          seq->add(std::make_shared<nn::MaxPool2d>(options));
        else
          seq->add(std::make_shared<nn::AvgPool2d>(options));
        shape = {shape[0], size[0], size[1]};
      } else if (l.type == "upsample") {
        need_image(spec, l, shape);
        seq->add(std::make_shared<nn::Upsample>(l.scale, parse_upsample_mode(l.mode)));
        shape = {shape[0], shape[1] * l.scale, shape[2] * l.scale};
      } else if (l.type == "flatten") {
        seq->add(std::make_shared<nn::Flatten>());
        shape = {detail::product(shape)};
      } else if (l.type == "unflatten") {
        HG_CHECK(shape.size() == 1 && shape[0] == detail::product(l.shape), where,
                 ": cannot unflatten ", bracketed(shape), " to ", bracketed(l.shape), " (",
                 detail::product(l.shape), " values)");
        seq->add(std::make_shared<nn::Unflatten>(l.shape));
        shape = l.shape;
      } else if (l.type == "leaky_relu") {
        seq->add(std::make_shared<nn::LeakyReLU>(l.negative_slope));
      } else {
        seq->add(nn::make_activation(l.type));
      }
    } catch (const Error& e) {
      const std::string message = e.what();
      if (message.rfind(spec.file + ": ", 0) == 0) throw;
      HG_FAIL(where, ": ", message, " (its input is ", bracketed(shape), ")");
    }
  }
  return {seq, shape};
}

bool is_activation(const LayerSpec& l) {
  return l.type == "relu" || l.type == "leaky_relu" || l.type == "sigmoid" || l.type == "tanh" ||
         l.type == "softplus" || l.type == "identity";
}

// Splits layers into (linear out, activation) pairs; false unless the list is exactly that.
bool linear_pairs(const std::vector<LayerSpec>& layers, size_t first,
                  std::vector<std::pair<int64_t, std::string>>* pairs) {
  if ((layers.size() - first) % 2 != 0 || layers.size() == first) return false;
  for (size_t i = first; i < layers.size(); i += 2) {
    const LayerSpec& lin = layers[i];
    const LayerSpec& act = layers[i + 1];
    if (lin.type != "linear" || !lin.bias || !is_activation(act)) return false;
    if (act.type == "leaky_relu" && act.negative_slope != 0.01f) return false;
    pairs->emplace_back(lin.out, act.type);
  }
  return true;
}

// The DenseAutoencoder layout of a dense spec, when it has one: [flatten,] (linear, act)+ in the
// encoder, the decoder's sizes the encoder's reversed, one hidden activation throughout.
bool as_dense_options(const ModelSpec& spec, int64_t input_dim, DenseAutoencoderOptions* out) {
  std::vector<std::pair<int64_t, std::string>> enc, dec;
  const size_t first = !spec.encoder.empty() && spec.encoder[0].type == "flatten" ? 1 : 0;
  if (!linear_pairs(spec.encoder, first, &enc) || !linear_pairs(spec.decoder, 0, &dec))
    return false;
  if (enc.size() != dec.size()) return false;
  std::vector<int64_t> sizes{input_dim};
  for (const auto& [size, act] : enc)
    sizes.push_back(size == kOutInput ? input_dim : size);
  const size_t n = enc.size();
  const std::string hidden = enc[0].second;
  for (size_t i = 0; i < n; ++i) {
    const int64_t want = sizes[n - 1 - i];
    const int64_t got = dec[i].first == kOutInput ? input_dim : dec[i].first;
    if (got != want) return false;
    if (i + 1 < n && (enc[i].second != hidden || dec[i].second != hidden)) return false;
  }
  out->sizes = sizes;
  out->hidden_activation = hidden;
  out->code_activation = enc[n - 1].second;
  out->output_activation = dec[n - 1].second;
  return true;
}

// --latent on a plain spec: the `out` of the encoder's last sized layer (the code's units or
// channels).
std::vector<LayerSpec> with_latent(const ModelSpec& spec, int64_t latent) {
  std::vector<LayerSpec> encoder = spec.encoder;
  for (auto it = encoder.rbegin(); it != encoder.rend(); ++it) {
    if (it->type == "linear" || it->type == "conv2d" || it->type == "conv_transpose2d") {
      it->out = latent;
      return encoder;
    }
  }
  HG_FAIL(spec.file, ": latent ", latent,
          " cannot be applied: the encoder has no linear or convolution layer whose size it "
          "would set");
}

}  // namespace

std::unique_ptr<Autoencoder> build_spec_model(const ModelSpec& spec, const Recipe& recipe,
                                              const std::vector<int64_t>& sample_shape,
                                              uint64_t seed) {
  try {
    validate_recipe(recipe);
  } catch (const Error& e) {
    HG_FAIL(spec.file, ": ", e.what());
  }
  HG_CHECK(!sample_shape.empty(), spec.file, ": the data's sample shape is empty");
  const int64_t input_dim = detail::product(sample_shape);
  Generator gen(seed);

  if (recipe.variant == "vae") {
    HG_CHECK(!recipe.tied && recipe.sparsity == "none" && recipe.contractive == 0.0f, spec.file,
             ": variant vae takes none of tied, sparsity and contractive (they are dense "
             "autoencoder settings)");
    const int64_t latent = recipe.latent > 0 ? recipe.latent : 20;
    BuiltLayers encoder = build_layers(spec, spec.encoder, sample_shape, sample_shape, gen);
    auto model = std::make_unique<SpecVae>(spec.name, sample_shape, encoder.modules,
                                           detail::product(encoder.output_shape), latent,
                                           recipe.beta, seed, gen);
    BuiltLayers decoder = build_layers(spec, spec.decoder, {latent}, sample_shape, gen);
    HG_CHECK(detail::product(decoder.output_shape) == input_dim, spec.file,
             ": the decoder's output ", bracketed(decoder.output_shape),
             " does not match the input ", bracketed(sample_shape), " (", input_dim, " values)");
    model->set_decoder(decoder.modules);
    return model;
  }

  HG_CHECK(recipe.beta == 1.0f, spec.file, ": beta weights a VAE's KL term; set variant = \"vae\"");
  ModelSpec sized = spec;
  if (recipe.latent > 0) sized.encoder = with_latent(spec, recipe.latent);

  DenseAutoencoderOptions dense;
  if (as_dense_options(sized, input_dim, &dense)) {
    dense.seed = seed;
    dense.tied_weights = recipe.tied;
    dense.code_regularizer = recipe_code_regularizer(recipe);
    dense.contractive.weight = recipe_contractive_weight(recipe, input_dim);
    dense.contractive.seed = seed;
    try {
      validate_code_regularizer(dense.code_regularizer, dense.sizes.back(), dense.code_activation);
      return std::make_unique<DenseAutoencoder>(dense);
    } catch (const Error& e) {
      HG_FAIL(spec.file, ": ", e.what());
    }
  }
  HG_CHECK(!recipe.tied && recipe.sparsity == "none" && recipe.contractive == 0.0f, spec.file,
           ": tied weights, sparsity and the contractive penalty need a dense spec (linear "
           "layers each followed by an activation, one hidden activation, and a decoder "
           "mirroring the encoder's sizes); this one is built as a ConvAutoencoder");
  BuiltLayers encoder = build_layers(spec, sized.encoder, sample_shape, sample_shape, gen);
  BuiltLayers decoder = build_layers(spec, spec.decoder, encoder.output_shape, sample_shape, gen);
  HG_CHECK(detail::product(decoder.output_shape) == input_dim, spec.file, ": the decoder's output ",
           bracketed(decoder.output_shape), " does not match the input ", bracketed(sample_shape),
           " (", input_dim, " values)");
  return std::make_unique<ConvAutoencoder>(spec.name, sample_shape, encoder.output_shape,
                                           encoder.modules, decoder.modules);
}

}  // namespace hg::models
