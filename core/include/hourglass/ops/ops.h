// All tensor ops.
#pragma once

#include "hourglass/ops/conv.h"
#include "hourglass/ops/elementwise.h"
#include "hourglass/ops/loss.h"
#include "hourglass/ops/matmul.h"
#include "hourglass/ops/reduce.h"
#include "hourglass/ops/regularizers.h"
#include "hourglass/ops/shape_ops.h"
