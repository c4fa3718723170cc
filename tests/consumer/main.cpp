// Links the installed libhourglass.a through find_package and trains a tiny linear model a few
// steps: proves headers, library and its dependencies all resolve outside the source tree.
#include <hourglass/hourglass.h>

#include <iostream>

int main() {
  hg::manual_seed(1);
  hg::nn::Linear layer(4, 2);
  auto optimizer = hg::optim::make_optimizer("sgd", layer.parameters(), 0.1f);
  const hg::Tensor x = hg::Tensor::randn({8, 4});
  const hg::Tensor target = hg::Tensor::zeros({8, 2});
  float first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    optimizer->zero_grad();
    hg::Tensor loss = hg::mse_loss(layer(x), target);
    hg::backward(loss);
    optimizer->step();
    (step == 0 ? first : last) = loss.item();
  }
  std::cout << "consumer: hourglass " << hg::version() << " loss " << first << " -> " << last
            << '\n';
  return last < first ? 0 : 1;
}
