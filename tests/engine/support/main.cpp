// main() of every engine test program: GoogleTest, with the COIL_* environment read here
// (as the programs' main()s read it) and handed to the tests through test::options().
#include <gtest/gtest.h>

#include "coil/environment.hpp"
#include "options.hpp"

namespace coil::test {
namespace {
ModelOptions g_options;
}  // namespace

const ModelOptions& options() {
  return g_options;
}

}  // namespace coil::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  coil::test::g_options = coil::model_options_from_environment();
  return RUN_ALL_TESTS();
}
