// Compile-time benchmark (d): the umbrella header alone, what every program pays before its model.
#include <tshape/tshape.hpp>

int main() { return 0; }
