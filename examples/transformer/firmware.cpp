// The transformer example's firmware loop, as examples/transformer/build-cortex-m4.sh links it for a
// Cortex-M4: take a sequence of token ids from the input, classify it, report the class. The input
// and the output stand for memory-mapped registers.
#include "classifier.hpp"

volatile int token_register;  // the interface the tokens arrive on
volatile int class_register;  // where the firmware reports the class

namespace {
transformer::Arena arena;            // the model's working memory, in .bss
std::int32_t tokens[transformer::sequence];  // the sequence being classified, in .bss
}  // namespace

int main() {
  float probabilities[2];
  for (;;) {
    for (std::int32_t& t : tokens) t = token_register;
    class_register = transformer::classify(tokens, probabilities, arena);
  }
}
