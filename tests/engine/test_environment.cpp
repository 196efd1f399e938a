// coil::model_options_from_environment(): the one reader of the COIL_* switches (programs'
// main() call it; the libraries only see option fields). Unset variables leave the defaults.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "coil/environment.hpp"

namespace coil {
namespace {

const std::vector<std::string> kVariables = {
    "COIL_CPU_ISA",       "COIL_VULKAN_VALIDATION",    "COIL_VULKAN_NO_SUBGROUPS",
    "COIL_CUDA_GEMM",     "COIL_CUDA_GEMM_SCRATCH_MB", "COIL_CUDA_PDL",
    "COIL_SELF_CHECK",    "COIL_SELF_CHECK_FAULT",     "COIL_FUSED_DECODE",
    "COIL_CPU_HUGE_PAGES"};

// Clears the variables for the test and puts back what ctest set afterwards.
class Environment : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& v : kVariables) {
      const char* old = std::getenv(v.c_str());
      saved_.push_back(old ? std::optional<std::string>(old) : std::nullopt);
      unsetenv(v.c_str());
    }
  }
  void TearDown() override {
    for (size_t i = 0; i < kVariables.size(); ++i) {
      if (saved_[i])
        setenv(kVariables[i].c_str(), saved_[i]->c_str(), 1);
      else
        unsetenv(kVariables[i].c_str());
    }
  }
  std::vector<std::optional<std::string>> saved_;
};

TEST_F(Environment, UnsetLeavesTheDefaults) {
  ModelOptions base;
  base.backend = "cpu";
  base.backend_options.threads = 3;
  const ModelOptions o = model_options_from_environment(base);
  EXPECT_EQ(o.backend, "cpu");
  EXPECT_EQ(o.backend_options.threads, 3);
  EXPECT_EQ(o.backend_options.cpu_isa, "");
  EXPECT_TRUE(o.backend_options.cpu_huge_pages);
  EXPECT_FALSE(o.backend_options.vulkan_validation);
  EXPECT_TRUE(o.backend_options.vulkan_subgroups);
  EXPECT_TRUE(o.backend_options.cuda_split_gemm);
  EXPECT_EQ(o.backend_options.cuda_gemm_scratch_bytes, 0u);
  EXPECT_TRUE(o.backend_options.cuda_pdl);
  EXPECT_TRUE(o.self_check);
  EXPECT_EQ(o.self_check_fault, "");
  EXPECT_TRUE(o.fused_decode);
}

TEST_F(Environment, EachVariableSetsItsField) {
  setenv("COIL_CPU_ISA", "avx2", 1);
  setenv("COIL_VULKAN_VALIDATION", "1", 1);
  setenv("COIL_VULKAN_NO_SUBGROUPS", "1", 1);
  setenv("COIL_CUDA_GEMM", "single", 1);
  setenv("COIL_CUDA_GEMM_SCRATCH_MB", "3", 1);
  setenv("COIL_CUDA_PDL", "0", 1);
  setenv("COIL_SELF_CHECK", "0", 1);
  setenv("COIL_SELF_CHECK_FAULT", "matmul", 1);
  setenv("COIL_FUSED_DECODE", "0", 1);
  setenv("COIL_CPU_HUGE_PAGES", "0", 1);
  const ModelOptions o = model_options_from_environment();
  EXPECT_EQ(o.backend_options.cpu_isa, "avx2");
  EXPECT_FALSE(o.backend_options.cpu_huge_pages);
  EXPECT_TRUE(o.backend_options.vulkan_validation);
  EXPECT_FALSE(o.backend_options.vulkan_subgroups);
  EXPECT_FALSE(o.backend_options.cuda_split_gemm);
  EXPECT_EQ(o.backend_options.cuda_gemm_scratch_bytes, size_t(3) << 20);
  EXPECT_FALSE(o.backend_options.cuda_pdl);
  EXPECT_FALSE(o.self_check);
  EXPECT_EQ(o.self_check_fault, "matmul");
  EXPECT_FALSE(o.fused_decode);
}

// Only the documented values switch: anything else keeps the default.
TEST_F(Environment, OtherValuesKeepTheDefaults) {
  setenv("COIL_VULKAN_VALIDATION", "yes", 1);
  setenv("COIL_CUDA_GEMM", "split", 1);
  setenv("COIL_CUDA_GEMM_SCRATCH_MB", "-5", 1);
  setenv("COIL_CUDA_PDL", "1", 1);
  setenv("COIL_SELF_CHECK", "1", 1);
  setenv("COIL_FUSED_DECODE", "1", 1);
  setenv("COIL_CPU_HUGE_PAGES", "1", 1);
  const ModelOptions o = model_options_from_environment();
  EXPECT_TRUE(o.backend_options.cpu_huge_pages);
  EXPECT_FALSE(o.backend_options.vulkan_validation);
  EXPECT_TRUE(o.backend_options.cuda_split_gemm);
  EXPECT_EQ(o.backend_options.cuda_gemm_scratch_bytes, 0u);
  EXPECT_TRUE(o.backend_options.cuda_pdl);
  EXPECT_TRUE(o.self_check);
  EXPECT_TRUE(o.fused_decode);
}

}  // namespace
}  // namespace coil
