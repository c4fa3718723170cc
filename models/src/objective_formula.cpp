// objective_formula (objective_formula.h): each term of the objective as the code computes it
// (models/src/vae.cpp, code_regularizer.cpp, contractive.cpp, the losses' Reduction::kMean).
#include "hourglass/models/objective_formula.h"

#include <sstream>

namespace hg::models {

namespace {

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// What the decoder reconstructs from: the input, or its corruption.
std::string input_text(const Recipe& recipe) {
  if (recipe.noise == "none") return "x";
  return "x~ (x with " + recipe.noise + " noise " + number(recipe.noise_level) + ")";
}

}  // namespace

std::string objective_formula(const Recipe& recipe, bool variational, int64_t pixels) {
  const std::string d = std::to_string(pixels);
  const std::string per_pixel = recipe.loss == "mse" ? "(x - x^)^2" : "BCE(x, x^)";
  std::string f = "mean over the batch of [ ";
  f += (variational ? "sum over the " : "mean over the ") + d + " pixels of " + per_pixel;
  if (variational) {
    f += " + " + (recipe.beta == 1.0f ? std::string() : number(recipe.beta) + " ") +
         "KL(q(z|x) || N(0, I)) ]";
    return f + ", z = mu + sigma * eps, x^ = decoder(z)";
  }
  if (recipe.sparsity == "l1") f += " + " + number(recipe.l1) + " sum_j |h_j|";
  if (recipe.contractive > 0) {
    f += " + (" + number(recipe.contractive) + " / " + d + ") ||J_f(x)||_F^2";
  }
  f += " ]";
  if (recipe.sparsity == "kl")
    f += " + " + number(recipe.sparsity_weight) + " sum_j KL(" + number(recipe.rho) +
         " || rho^_j), rho^_j the batch mean of h_j";
  f += ", h = f(" + input_text(recipe) + ")";
  if (recipe.sparsity == "ksparse")
    f += " keeping its " + std::to_string(recipe.k) + " largest units";
  f += ", x^ = g(h)";
  return f;
}

}  // namespace hg::models
