// torch_arguments() of the convolutional modules (conv.h): the keyword arguments that rebuild each
// one as its torch.nn class, with torch's names and [h, w] pairs, for model.json.
#include <nlohmann/json.hpp>

#include "hourglass/nn/conv.h"

namespace hg::nn {

namespace {

using nlohmann::json;

json pair(std::array<int64_t, 2> v) {
  return json::array({v[0], v[1]});
}

// torch.nn.Conv2d's `padding` for our Padding2d (conv.h explains the cases).
json conv_padding(const Conv2dOptions& options, std::array<int64_t, 2> kernel) {
  switch (options.padding.mode) {
    case Padding2d::Mode::kExplicit:
      return json::array({options.padding.h, options.padding.w});
    case Padding2d::Mode::kValid:
      return json::array({0, 0});
    case Padding2d::Mode::kSame:
      break;
  }
  if (options.stride[0] != 1 || options.stride[1] != 1) return json::array({0, 0});
  // At stride 1 Keras 'same' pads dilation * (kernel - 1) in total per axis, independently of
  // the input size: symmetric when even, which torch's integer padding says.
  const int64_t total_h = options.dilation[0] * (kernel[0] - 1);
  const int64_t total_w = options.dilation[1] * (kernel[1] - 1);
  if (total_h % 2 == 0 && total_w % 2 == 0) return json::array({total_h / 2, total_w / 2});
  return "same";
}

json pool_arguments(const Pool2dOptions& options) {
  const std::array<int64_t, 2> stride{
      options.stride[0] == 0 ? options.kernel[0] : options.stride[0],
      options.stride[1] == 0 ? options.kernel[1] : options.stride[1]};
  return json{{"kernel_size", pair(options.kernel)},
              {"stride", pair(stride)},
              {"padding", pair(options.padding)},
              {"ceil_mode", options.ceil_mode}};
}

}  // namespace

std::string Conv2d::torch_arguments() const {
  return json{{"in_channels", in_channels_},
              {"out_channels", out_channels_},
              {"kernel_size", pair(kernel_)},
              {"stride", pair(options_.stride)},
              {"padding", conv_padding(options_, kernel_)},
              {"dilation", pair(options_.dilation)},
              {"bias", bias_.defined()}}
      .dump();
}

std::string ConvTranspose2d::torch_arguments() const {
  return json{
      {"in_channels", in_channels_},         {"out_channels", out_channels_},
      {"kernel_size", pair(kernel_)},        {"stride", pair(options_.stride)},
      {"padding", pair(options_.padding)},   {"output_padding", pair(options_.output_padding)},
      {"dilation", pair(options_.dilation)}, {"bias", bias_.defined()}}
      .dump();
}

std::string MaxPool2d::torch_arguments() const {
  return pool_arguments(options_).dump();
}

std::string AvgPool2d::torch_arguments() const {
  json args = pool_arguments(options_);
  args["count_include_pad"] = options_.count_include_pad;
  return args.dump();
}

std::string Upsample::torch_arguments() const {
  json args{{"scale_factor", static_cast<double>(scale_)},
            {"mode", mode_ == UpsampleMode::kNearest ? "nearest" : "bilinear"}};
  if (mode_ == UpsampleMode::kBilinear) args["align_corners"] = false;
  return args.dump();
}

std::string Flatten::torch_arguments() const {
  return json{{"start_dim", 1}, {"end_dim", -1}}.dump();
}

std::string Unflatten::torch_arguments() const {
  return json{{"dim", 1}, {"unflattened_size", shape_}}.dump();
}

}  // namespace hg::nn
