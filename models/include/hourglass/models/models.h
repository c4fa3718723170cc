// Autoencoder models and their training loop.
#pragma once

#include "hourglass/models/autoencoder.h"
#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/trainer.h"
