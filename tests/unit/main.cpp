// Catch2's main, for builds that cannot link the prebuilt Catch2::Catch2WithMain (cross builds).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
