// Neural-network modules.
#pragma once

#include "hourglass/nn/activation.h"
#include "hourglass/nn/conv.h"
#include "hourglass/nn/init.h"
#include "hourglass/nn/linear.h"
#include "hourglass/nn/module.h"
#include "hourglass/nn/sequential.h"
