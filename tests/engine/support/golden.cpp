#include "golden.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "paths.hpp"

namespace coil::test {

std::filesystem::path model_dir(const std::string& name) {
  return test_data_dir() / "models" / name;
}

std::vector<std::string> fixture_models() {
  return {"falcon-tiny-f32", "falcon-tiny-bf16", "mamba-tiny-f16", "hf-falcon-mamba-bf16",
          "hf-mamba-f32-bias"};
}

std::vector<GoldenCase> load_golden(const std::string& model) {
  const auto dir = model_dir(model) / "golden";
  std::ifstream ids(dir / "ids.txt");
  if (!ids) throw std::runtime_error("missing " + (dir / "ids.txt").string());
  std::vector<GoldenCase> cases;
  std::string line;
  while (std::getline(ids, line)) {
    if (line.empty()) continue;
    GoldenCase c;
    std::istringstream ls(line);
    std::string list;
    ls >> c.name >> list;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) c.ids.push_back(std::stoi(item));
    std::ifstream f(dir / (c.name + ".f32"), std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    c.logits.resize(bytes.size() / 4);
    std::memcpy(c.logits.data(), bytes.data(), bytes.size());
    cases.push_back(std::move(c));
  }
  return cases;
}

double rel_diff(const float* a, const float* b, size_t n) {
  double md = 0, mr = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(a[i])) return INFINITY;
    md = std::max(md, double(std::fabs(a[i] - b[i])));
    mr = std::max(mr, double(std::fabs(b[i])));
  }
  return mr > 0 ? md / mr : md;
}

}  // namespace coil::test
