#!/usr/bin/python3
"""Load an hourglass run into PyTorch.

A run directory written by `hourglass train` holds model.json (the architecture: every layer's
torch.nn type and keyword arguments, and how encode / decode use them) and model.safetensors (the
weights under their PyTorch state_dict names and layouts). This module rebuilds the equivalent
torch.nn model from model.json and loads the weights into it with load_state_dict(strict=True),
so a model trained by hourglass runs in PyTorch and gives the same reconstructions as
`hourglass reconstruct` (tests/tools/torch_loader_test.cpp checks this for every model family).

Needs only PyTorch (1.13 or later) and NumPy; the safetensors file is read by a small strict
reader below, not by the `safetensors` package.

As a library:

    import sys; sys.path.insert(0, "tools")
    from hourglass_torch import load_run, read_npy, reconstruct, write_npy
    model = load_run("runs/dense")          # a torch.nn.Module in eval mode, on the CPU
    x = torch.from_numpy(read_npy("x.npy"))
    with torch.no_grad():
        code = model.encode(x)              # the code (a VAE's mean)
        y = model.decode(code)              # the reconstruction from a code
        y = model(x)                        # the same: decode(encode(x))
    model.encoder, model.decoder, ...       # the children of model.json, as torch.nn modules
    write_npy("y.npy", reconstruct(model, read_npy("x.npy")))  # as `hourglass reconstruct`

From the command line:

    tools/hourglass_torch.py summary RUN
    tools/hourglass_torch.py reconstruct RUN --input X.npy --output Y.npy [--device cpu]

Inputs are .npy arrays of samples shaped [N, C, H, W], [N, H, W] or flat [N, C*H*W]: float pixels
in [0, 1], or uint8 pixels (scaled by 1/255), as `hourglass reconstruct` takes them.

model.json's format is specified in models/include/hourglass/models/checkpoint.h; the nodes are
torch.nn.<type>(**args), except:
  - "TiedLinear" (a decoder layer sharing an encoder Linear's weight, transposed): owns only its
    bias; computes F.linear(x, <tied_to>.t(), bias);
  - a Conv2d node with "pad": "same" (Keras / TensorFlow 'same' at stride > 1, whose padding
    depends on the input size), or with torch's padding "same": the input is padded as
    TensorFlow does (out = ceil(in / stride), the extra row / column at the bottom / right)
    before a convolution without padding (SameConv2d, a Conv2d with the same parameters).
"""
import argparse
import json
import math
import os
import sys
import weakref
import zlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

MODEL_FORMAT = "hourglass.model/1"

# ---- safetensors ------------------------------------------------------------------------------

# The dtypes a safetensors file may name, as NumPy little-endian dtypes (BF16 has no NumPy type).
_SAFETENSORS_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
    "I8": "i1", "U8": "u1", "BOOL": "?",
}
SAFETENSORS_MAX_HEADER = 100 * 1000 * 1000  # as core/include/hourglass/io/safetensors.h


class FormatError(ValueError):
    """A file that is not what it should be; the message names the file and what is wrong."""


def _no_duplicate_keys(path):
    def hook(pairs):
        seen = {}
        for key, value in pairs:
            if key in seen:
                raise FormatError(f"{path}: duplicate key {key!r} in the header")
            seen[key] = value
        return seen
    return hook


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def read_safetensors(path):
    """Reads a safetensors file: returns ({name: np.ndarray}, {metadata key: value}).

    Strict, like hourglass's own reader: the header must be a JSON object without duplicate
    keys; every entry exactly {dtype, shape, data_offsets} with a known dtype, non-negative
    integer shape entries and a byte length of shape x dtype size; the tensors must tile the
    data section in order with no gap, no overlap and no trailing bytes; metadata values must
    be strings. Anything else raises FormatError."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise FormatError(f"{path}: {len(data)} bytes, shorter than the 8-byte header length")
    header_len = int.from_bytes(data[:8], "little")
    if header_len > SAFETENSORS_MAX_HEADER:
        raise FormatError(f"{path}: header of {header_len} bytes, over the limit of "
                          f"{SAFETENSORS_MAX_HEADER}")
    if 8 + header_len > len(data):
        raise FormatError(f"{path}: header of {header_len} bytes but the file has only "
                          f"{len(data) - 8} after the length")
    try:
        header = json.loads(data[8:8 + header_len].decode("utf-8"),
                            object_pairs_hook=_no_duplicate_keys(path))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FormatError(f"{path}: the header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise FormatError(f"{path}: the header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise FormatError(f"{path}: __metadata__ must be an object of strings")

    body = memoryview(data)[8 + header_len:]
    entries = []
    for name, entry in header.items():
        where = f"{path}: tensor {name!r}"
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise FormatError(f"{where}: expected an object with dtype, shape and data_offsets, "
                              f"found {entry!r}")
        dtype = entry["dtype"]
        if dtype not in _SAFETENSORS_DTYPES:
            raise FormatError(f"{where}: unknown or unsupported dtype {dtype!r} (supported: "
                              f"{', '.join(_SAFETENSORS_DTYPES)})")
        shape = entry["shape"]
        if not isinstance(shape, list) or not all(_is_int(d) and d >= 0 for d in shape):
            raise FormatError(f"{where}: shape must be a list of non-negative integers, "
                              f"found {shape!r}")
        offsets = entry["data_offsets"]
        if (not isinstance(offsets, list) or len(offsets) != 2 or
                not all(_is_int(o) for o in offsets)):
            raise FormatError(f"{where}: data_offsets must be two integers, found {offsets!r}")
        begin, end = offsets
        if not 0 <= begin <= end <= len(body):
            raise FormatError(f"{where}: data_offsets [{begin}, {end}] out of range or reversed "
                              f"(the data section has {len(body)} bytes)")
        np_dtype = np.dtype(_SAFETENSORS_DTYPES[dtype])
        expected = math.prod(shape) * np_dtype.itemsize
        if end - begin != expected:
            raise FormatError(f"{where}: {end - begin} bytes, but shape {shape} of {dtype} "
                              f"needs {expected}")
        entries.append((begin, end, name, np_dtype, shape))

    entries.sort(key=lambda e: (e[0], e[1]))
    position = 0
    tensors = {}
    for begin, end, name, np_dtype, shape in entries:
        if begin != position:
            kind = "overlaps the previous tensor" if begin < position else "leaves a gap"
            raise FormatError(f"{path}: tensor {name!r} at byte {begin} {kind} (expected "
                              f"{position})")
        tensors[name] = np.frombuffer(body[begin:end], dtype=np_dtype).reshape(shape).copy()
        position = end
    if position != len(body):
        raise FormatError(f"{path}: {len(body) - position} trailing bytes after the last tensor")
    return tensors, _checked_crc32(path, metadata, entries, body)


def _checked_crc32(path, metadata, entries, body):
    """Checks the CRC-32s hourglass writes (metadata "crc32/<tensor>" of each tensor's bytes and
    "crc32/__metadata__" of the other entries, each key and value followed by a NUL, in key
    order) and returns the metadata without them. A file with any must have all of them."""
    prefix = "crc32/"
    sums = {k[len(prefix):]: v for k, v in metadata.items() if k.startswith(prefix)}
    rest = {k: v for k, v in sorted(metadata.items()) if not k.startswith(prefix)}
    if not sums:
        return rest
    expected = {"__metadata__"} | {name for _, _, name, _, _ in entries}
    if set(sums) != expected:
        raise FormatError(f"{path}: checksums for {sorted(sums)}, expected {sorted(expected)}")
    canonical = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in rest.items())
    if f"{zlib.crc32(canonical):08x}" != sums["__metadata__"]:
        raise FormatError(f"{path}: the metadata's CRC-32 does not match: the header is corrupted")
    for begin, end, name, _, _ in entries:
        if f"{zlib.crc32(body[begin:end]):08x}" != sums[name]:
            raise FormatError(f"{path}: tensor {name!r}'s CRC-32 does not match: its bytes are "
                              f"corrupted")
    return rest


# ---- NPY ----------------------------------------------------------------------------------------

def read_npy(path):
    """An array from an .npy file (no pickled objects)."""
    return np.load(path, allow_pickle=False)


def write_npy(path, array):
    """Writes `array` (a NumPy array or a torch tensor) as .npy; float arrays become float32."""
    if isinstance(array, torch.Tensor):
        array = array.detach().cpu().numpy()
    array = np.ascontiguousarray(array)
    if array.dtype.kind == "f":
        array = array.astype("<f4")
    np.save(path, array, allow_pickle=False)


# ---- modules model.json names that torch.nn has not --------------------------------------------

class TiedLinear(nn.Module):
    """y = F.linear(x, W.t(), bias) with W another module's Linear weight [out, in] ("tied_to",
    a state_dict name); owns only `bias`, so its state_dict entry is "<prefix>.bias" alone."""

    def __init__(self, in_features, out_features, tied_to):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.tied_to = tied_to
        self.bias = nn.Parameter(torch.zeros(out_features))
        self._root = None  # a weakref to the model holding the tied weight, set by load_run

    def tied_weight(self):
        root = self._root() if self._root is not None else None
        if root is None:
            raise RuntimeError(f"TiedLinear tied to {self.tied_to!r} is not attached to a model")
        return root.get_parameter(self.tied_to)

    def forward(self, x):
        return F.linear(x, self.tied_weight().t(), self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"tied_to={self.tied_to}")


def _tf_same_padding(size, kernel, stride, dilation):
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


class SameConv2d(nn.Conv2d):
    """nn.Conv2d with Keras / TensorFlow 'same' padding at any stride: out = ceil(in / stride),
    the total padding split with the extra row / column at the bottom / right. Same parameters
    (and state_dict) as the nn.Conv2d it extends, which is built with padding 0."""

    def forward(self, x):
        top, bottom = _tf_same_padding(x.shape[-2], self.kernel_size[0], self.stride[0],
                                       self.dilation[0])
        left, right = _tf_same_padding(x.shape[-1], self.kernel_size[1], self.stride[1],
                                       self.dilation[1])
        return super().forward(F.pad(x, (left, right, top, bottom)))

    def extra_repr(self):
        return super().extra_repr() + ", keras_padding=same"


# ---- model.json -> torch.nn --------------------------------------------------------------------

def _torch_args(args):
    # JSON lists become tuples (kernel_size, stride, unflattened_size, ...).
    return {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}


def build_module(node, where="model"):
    """The torch.nn module of one model.json node (containers recursively)."""
    kind = node.get("type")
    if kind == "Sequential":
        seq = nn.Sequential()
        for name, child in node.get("children", []):
            seq.add_module(name, build_module(child, f"{where}.{name}"))
        return seq
    args = _torch_args(node.get("args", {}))
    if kind == "TiedLinear":
        if "tied_to" not in node:
            raise FormatError(f"{where}: TiedLinear without \"tied_to\"")
        return TiedLinear(args["in_features"], args["out_features"], node["tied_to"])
    pad = node.get("pad")
    if pad is not None:
        if kind != "Conv2d" or pad != "same":
            raise FormatError(f"{where}: unknown \"pad\": {pad!r} on a {kind} node (expected "
                              f"\"same\" on a Conv2d)")
        return SameConv2d(**dict(args, padding=0))
    if kind == "Conv2d" and args.get("padding") == "same":
        # torch's own "same" (stride 1) pads as TensorFlow does; SameConv2d does it without
        # torch's warning about a padded copy for even kernels.
        return SameConv2d(**dict(args, padding=0))
    cls = getattr(nn, kind, None) if isinstance(kind, str) else None
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise FormatError(f"{where}: {kind!r} is not a torch.nn module")
    try:
        return cls(**args)
    except TypeError as e:
        raise FormatError(f"{where}: torch.nn.{kind}(**{node.get('args')}) failed: {e}") from None


_ACTIVATIONS = {
    "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": F.softplus,
    "leaky_relu": F.leaky_relu, "identity": lambda x: x, "linear": lambda x: x,
}


def _keep_top_k(code, k):
    # The k largest entries of each sample's code kept, the others zeroed (k-sparse codes).
    flat = code.reshape(code.shape[0], -1)
    k = min(k, flat.shape[1])
    top = flat.topk(k, dim=1)
    return torch.zeros_like(flat).scatter(1, top.indices, top.values).reshape(code.shape)


class HourglassModel(nn.Module):
    """A model rebuilt from model.json: its children by name (encoder, decoder, fc1, ...), and
    encode / decode / forward as model.json's "forward" says. forward(x) is the reconstruction
    (from the mean code for variational models)."""

    def __init__(self, description):
        super().__init__()
        if description.get("format") != MODEL_FORMAT:
            raise FormatError(f"model.json: format {description.get('format')!r}, expected "
                              f"{MODEL_FORMAT!r}")
        self.model_class = description.get("class", "?")
        self.input_shape = list(description.get("input_shape", []))
        self.variational = bool(description.get("variational", False))
        self.spec = description.get("forward", {})
        for name, node in description.get("modules", []):
            self.add_module(name, build_module(node, name))
        for module in self.modules():
            if isinstance(module, TiedLinear):
                module._root = weakref.ref(self)
                module.tied_weight()  # fails now, not at the first forward, if the name is wrong
        self.kind = self.spec.get("kind")
        if self.kind not in ("autoencoder", "vae_mlp", "vae_conv"):
            raise FormatError(f"model.json: unknown forward kind {self.kind!r} (expected "
                              f"autoencoder, vae_mlp or vae_conv)")
        if self.kind == "vae_mlp":
            name = self.spec.get("hidden_activation", "relu")
            if name not in _ACTIVATIONS:
                raise FormatError(f"model.json: unknown hidden_activation {name!r}")
            self._act = _ACTIVATIONS[name]

    def _encoder_input(self, x):
        shape = self.spec.get("encoder_input", self.input_shape)
        return x.reshape(x.shape[0], *shape)

    def encode(self, x):
        """The code of a batch x [N, ...] (the mean of q(z|x) for variational models)."""
        if self.kind == "autoencoder":
            code = self.encoder(self._encoder_input(x))
            if self.spec.get("top_k"):
                code = _keep_top_k(code, int(self.spec["top_k"]))
            return code
        if self.kind == "vae_mlp":
            return self.fc21(self._act(self.fc1(x.reshape(x.shape[0], -1))))
        return self.fc_mu(self.encoder(self._encoder_input(x)).flatten(1))

    def decode(self, z):
        """The reconstruction of a batch of codes."""
        if self.kind == "vae_mlp":
            return torch.sigmoid(self.fc4(self._act(self.fc3(z))))
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))

    def extra_repr(self):
        return (f"class={self.model_class}, input_shape={self.input_shape}, "
                f"forward={json.dumps(self.spec)}")


def load_run(run_dir, device="cpu"):
    """The model of a run directory (model.json + model.safetensors), in eval mode on `device`."""
    with open(os.path.join(run_dir, "model.json"), encoding="utf-8") as f:
        description = json.load(f)
    model = HourglassModel(description)
    weights_path = os.path.join(run_dir, "model.safetensors")
    tensors, metadata = read_safetensors(weights_path)
    if metadata.get("format", MODEL_FORMAT) != MODEL_FORMAT:
        raise FormatError(f"{weights_path}: format {metadata['format']!r}, expected "
                          f"{MODEL_FORMAT!r}")
    state = {name: torch.from_numpy(array) for name, array in tensors.items()}
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()


# ---- command line ------------------------------------------------------------------------------

def prepare_inputs(array, input_shape):
    """float32 [N, *input_shape] from an array of samples [N, ...] whose per-sample size matches;
    uint8 pixels are scaled by 1/255."""
    if array.ndim < 2:
        raise ValueError(f"inputs must be [N, ...] samples, found shape {list(array.shape)}")
    per_sample = math.prod(array.shape[1:])
    if input_shape and per_sample != math.prod(input_shape):
        raise ValueError(f"the model takes samples of {input_shape} ({math.prod(input_shape)} "
                         f"values), the inputs have shape {list(array.shape)}")
    x = torch.from_numpy(np.ascontiguousarray(array))
    x = x.float() / 255 if x.dtype == torch.uint8 else x.float()
    return x.reshape(x.shape[0], *input_shape) if input_shape else x


def reconstruct(model, array, batch=256):
    """The model's reconstructions of the samples of `array` (see prepare_inputs), in batches,
    as float32 [N, *input_shape] on the CPU: shaped like the model's samples, as `hourglass
    reconstruct` writes them."""
    device = next(model.parameters()).device
    x = prepare_inputs(array, model.input_shape)
    outputs = []
    with torch.no_grad():
        for start in range(0, x.shape[0], batch):
            outputs.append(model(x[start:start + batch].to(device)).cpu())
    y = torch.cat(outputs) if outputs else torch.zeros(0)
    return y.reshape(x.shape) if y.numel() == x.numel() else y


def _reconstruct(args):
    model = load_run(args.run, args.device)
    y = reconstruct(model, read_npy(args.input), args.batch)
    write_npy(args.output, y)
    print(f"reconstructed {y.shape[0]} samples -> {args.output} {list(y.shape)}")
    return 0


def _summary(args):
    model = load_run(args.run, args.device)
    print(model)
    count = sum(p.numel() for p in model.parameters())
    print(f"{count:,} parameters")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    summary = commands.add_parser("summary", help="print the rebuilt torch.nn model")
    summary.add_argument("run", help="the run directory")
    summary.add_argument("--device", default="cpu")
    summary.set_defaults(func=_summary)
    recon = commands.add_parser("reconstruct", help="reconstruct inputs with the torch model")
    recon.add_argument("run", help="the run directory")
    recon.add_argument("--input", required=True, help=".npy samples [N,C,H,W], [N,H,W], [N,D]")
    recon.add_argument("--output", required=True, help="where to write the reconstructions")
    recon.add_argument("--device", default="cpu")
    recon.add_argument("--batch", type=int, default=256)
    recon.set_defaults(func=_reconstruct)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (FormatError, ValueError, OSError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
