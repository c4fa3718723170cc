// objective_formula: the formula each kind of recipe gives, with the reductions the code uses
// (the terms' values themselves are checked against hand computations in presets_test.cpp).
#include <gtest/gtest.h>

#include "hourglass/models/objective_formula.h"
#include "hourglass/models/presets.h"

namespace hg::testing {
namespace {

using models::find_preset;
using models::objective_formula;

TEST(ObjectiveFormula, ContractiveShowsLambdaOverThePixelCount) {
  EXPECT_EQ(objective_formula(find_preset("cae").recipe, false, 784),
            "mean over the batch of [ mean over the 784 pixels of BCE(x, x^) + (0.1 / 784) "
            "||J_f(x)||_F^2 ], h = f(x), x^ = g(h)");
}

TEST(ObjectiveFormula, VaeSumsOverPixelsAndAddsTheKl) {
  EXPECT_EQ(objective_formula(find_preset("vae").recipe, true, 784),
            "mean over the batch of [ sum over the 784 pixels of BCE(x, x^) + KL(q(z|x) || "
            "N(0, I)) ], z = mu + sigma * eps, x^ = decoder(z)");
  models::Recipe beta = find_preset("vae").recipe;
  beta.beta = 4;
  beta.loss = "mse";
  EXPECT_EQ(objective_formula(beta, true, 100),
            "mean over the batch of [ sum over the 100 pixels of (x - x^)^2 + 4 KL(q(z|x) || "
            "N(0, I)) ], z = mu + sigma * eps, x^ = decoder(z)");
}

TEST(ObjectiveFormula, SparsityKSparseAndNoise) {
  EXPECT_EQ(objective_formula(find_preset("keras-sparse").recipe, false, 784),
            "mean over the batch of [ mean over the 784 pixels of BCE(x, x^) + 0.0001 sum_j "
            "|h_j| ], h = f(x), x^ = g(h)");
  models::Recipe r = find_preset("ksparse").recipe;
  r.noise = "gaussian";
  r.noise_level = 0.5f;
  EXPECT_EQ(objective_formula(r, false, 784),
            "mean over the batch of [ mean over the 784 pixels of (x - x^)^2 ], h = f(x~ (x with "
            "gaussian noise 0.5)) keeping its 25 largest units, x^ = g(h)");
  models::Recipe kl = find_preset("dense").recipe;
  kl.sparsity = "kl";
  kl.sparsity_weight = 3;
  kl.rho = 0.05f;
  EXPECT_EQ(objective_formula(kl, false, 784),
            "mean over the batch of [ mean over the 784 pixels of BCE(x, x^) ] + 3 sum_j "
            "KL(0.05 || rho^_j), rho^_j the batch mean of h_j, h = f(x), x^ = g(h)");
}

}  // namespace
}  // namespace hg::testing
