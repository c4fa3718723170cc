// The training objective a recipe gives, written out as a formula with its reductions, so a user
// can see what the engine minimises and compare it with a paper's:
//   mean over the batch of [ mean over the 784 pixels of BCE(x, x^) + (0.1 / 784) ||J_f(x)||_F^2 ]
// `hourglass train` prints it and records it in config.json, report.html shows it, and --help
// gives each preset's (the conventions are explained in presets.cpp's notes).
#pragma once

#include <cstdint>
#include <string>

#include "hourglass/models/recipe.h"

namespace hg::models {

// `recipe`'s objective for samples of `pixels` values. `variational`: a VAE's (reconstruction
// summed over the pixels, plus beta KL(q(z|x) || N(0, I))). The contractive weight shows as
// lambda / D (recipe_contractive_weight says why).
std::string objective_formula(const Recipe& recipe, bool variational, int64_t pixels);

}  // namespace hg::models
