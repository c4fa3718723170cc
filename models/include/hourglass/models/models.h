// Autoencoder models, their training loop, the named presets and spec files.
#pragma once

#include "hourglass/models/autoencoder.h"
#include "hourglass/models/code_regularizer.h"
#include "hourglass/models/contractive.h"
#include "hourglass/models/conv_autoencoder.h"
#include "hourglass/models/dense_autoencoder.h"
#include "hourglass/models/generation.h"
#include "hourglass/models/objective_formula.h"
#include "hourglass/models/presets.h"
#include "hourglass/models/recipe.h"
#include "hourglass/models/spec.h"
#include "hourglass/models/stacked.h"
#include "hourglass/models/tied_linear.h"
#include "hourglass/models/trainer.h"
#include "hourglass/models/vae.h"
