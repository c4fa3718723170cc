// The public API of hourglass in one include.
#pragma once

#include "hourglass/core/autograd.h"
#include "hourglass/core/device.h"
#include "hourglass/core/error.h"
#include "hourglass/core/rng.h"
#include "hourglass/core/tensor.h"
#include "hourglass/core/version.h"
#include "hourglass/nn/nn.h"
#include "hourglass/ops/ops.h"
#include "hourglass/optim/optimizer.h"
