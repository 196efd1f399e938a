// The .coilstate format: round trip, and every refusal (not a state file, unknown
// version, truncated, corrupt, another model) with a clear message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "coil/error.hpp"
#include "coil/model.hpp"
#include "coil/session.hpp"
#include "coil/state.hpp"
#include "golden.hpp"
#include "options.hpp"
#include "paths.hpp"

namespace coil {
namespace {

RecurrentState sample_state() {
  RecurrentState s;
  s.model_fingerprint = 0x1234567890abcdefull;
  s.n_tokens = 42;
  s.token_hash = 0xfeedfacecafebeefull;
  s.n_layers = 2;
  s.d_inner = 8;
  s.d_state = 4;
  s.conv_kernel = 4;
  s.data.resize(s.layer_floats() * s.n_layers);
  for (size_t i = 0; i < s.data.size(); ++i) s.data[i] = 0.25f * static_cast<float>(i) - 3.0f;
  return s;
}

std::vector<uint8_t> read_all(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
void write_all(const std::filesystem::path& p, const std::vector<uint8_t>& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), b.size());
}

// read_state_file's refusal of a file ("" when it reads it); the mapped reader (restores
// straight from the file) must refuse it with the same words.
std::string error_of(const std::filesystem::path& p, uint64_t fp) {
  std::string copied, mapped;
  try {
    read_state_file(p, fp);
  } catch (const Error& e) {
    copied = e.what();
  }
  try {
    MappedStateFile f(p, fp);
  } catch (const Error& e) {
    mapped = e.what();
  }
  EXPECT_EQ(mapped, copied) << p;
  return copied;
}

TEST(StateFile, RoundTripIsExact) {
  const auto p = test::temp_dir() / "a.coilstate";
  const auto s = sample_state();
  write_state_file(p, s);
  EXPECT_EQ(std::filesystem::file_size(p), s.file_bytes());
  const auto r = read_state_file(p, s.model_fingerprint);
  EXPECT_EQ(r.n_tokens, 42);
  EXPECT_EQ(r.token_hash, s.token_hash);
  EXPECT_EQ(r.data, s.data);
  // no temporary left next to it
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(p.parent_path()),
                          std::filesystem::directory_iterator{}),
            1);
}

TEST(StateFile, RefusesAFileThatIsNotAState) {
  const auto p = test::temp_dir() / "x.coilstate";
  write_all(p, {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
  EXPECT_NE(error_of(p, 0).find("is not a Coil state file"), std::string::npos) << error_of(p, 0);
}

TEST(StateFile, RefusesAnUnknownVersion) {
  const auto p = test::temp_dir() / "v.coilstate";
  write_state_file(p, sample_state());
  auto b = read_all(p);
  b[8] = 99;
  write_all(p, b);
  EXPECT_NE(error_of(p, 0).find("format version 99"), std::string::npos) << error_of(p, 0);
}

TEST(StateFile, RefusesTruncatedFilesAtEveryLength) {
  const auto p = test::temp_dir() / "t.coilstate";
  write_state_file(p, sample_state());
  const auto full = read_all(p);
  for (size_t n : {size_t(9), size_t(20), size_t(56), full.size() / 2, full.size() - 1}) {
    write_all(p, std::vector<uint8_t>(full.begin(), full.begin() + n));
    EXPECT_NE(error_of(p, 0).find("truncated"), std::string::npos) << n << ": " << error_of(p, 0);
  }
}

TEST(StateFile, RefusesCorruptPayloadByChecksum) {
  const auto p = test::temp_dir() / "c.coilstate";
  write_state_file(p, sample_state());
  auto b = read_all(p);
  b[100] ^= 0x10;  // one bit in the payload
  write_all(p, b);
  EXPECT_NE(error_of(p, 0).find("corrupt"), std::string::npos) << error_of(p, 0);
}

TEST(StateFile, RefusesAStateOfAnotherModel) {
  const auto p = test::temp_dir() / "m.coilstate";
  write_state_file(p, sample_state());
  EXPECT_NE(error_of(p, 0x1111).find("different model"), std::string::npos) << error_of(p, 0x1111);
  EXPECT_EQ(error_of(p, sample_state().model_fingerprint), "");
}

TEST(StateFile, AFolderOrAMissingFileIsRefusedByName) {
  const auto dir = test::temp_dir() / "a-folder.coilstate";
  std::filesystem::create_directories(dir);
  EXPECT_NE(error_of(dir, 0).find("it is a folder"), std::string::npos) << error_of(dir, 0);
  const auto missing = test::temp_dir() / "missing.coilstate";
  EXPECT_NE(error_of(missing, 0).find("cannot open state file"), std::string::npos);
  const auto empty = test::temp_dir() / "empty.coilstate";
  write_all(empty, {});
  EXPECT_NE(error_of(empty, 0).find("not a Coil state file"), std::string::npos);
}

TEST(StateFile, RestoringFromTheMappedFileEqualsRestoringACopy) {
  ModelOptions o = test::options();
  o.backend = "cpu";
  auto m = Model::open(test::model_dir("falcon-tiny-bf16"), o);
  const int64_t V = m->config().vocab_size;
  Session a(*m);
  const std::vector<int32_t> ids{5, 9, 2, 7, 1};
  a.eval(ids, nullptr);
  const auto p = test::temp_dir() / "view.coilstate";
  write_state_file(p, a.save_state());
  Session from_copy(*m), from_map(*m);
  from_copy.restore_state(read_state_file(p, m->fingerprint()));
  {
    const MappedStateFile f(p, m->fingerprint());
    EXPECT_EQ(f.view().header.n_tokens, 5);
    EXPECT_EQ(f.view().floats(), from_map.state_bytes() / sizeof(float));
    from_map.restore_state(f.view());
  }  // unmapped: the session holds its own copy
  EXPECT_EQ(from_map.n_tokens(), 5);
  EXPECT_EQ(from_map.token_hash(), from_copy.token_hash());
  std::vector<float> x(V), y(V);
  from_copy.decode(3, x.data());
  from_map.decode(3, y.data());
  EXPECT_EQ(x, y);  // bit-identical
  // and a view of another model's state is refused like the state itself
  auto other = Model::open(test::model_dir("mamba-tiny-f16"), o);
  Session so(*other);
  const MappedStateFile f(p, 0);
  EXPECT_THROW(so.restore_state(f.view()), Error);
}

TEST(StateFile, WriteFailureLeavesNoFile) {
  const auto p = test::temp_dir() / "no-such-dir" / "s.coilstate";
  EXPECT_THROW(write_state_file(p, sample_state()), Error);
  EXPECT_FALSE(std::filesystem::exists(p));
}

TEST(StateFile, SessionRefusesStateOfAnotherFixtureModel) {
  ModelOptions o = test::options();
  o.backend = "cpu";
  auto a = Model::open(test::model_dir("falcon-tiny-f32"), o);
  auto b = Model::open(test::model_dir("mamba-tiny-f16"), o);
  EXPECT_NE(a->fingerprint(), b->fingerprint());
  Session sa(*a), sb(*b);
  const std::vector<int32_t> ids{1, 2, 3};
  sa.eval(ids, nullptr);
  const auto p = test::temp_dir() / "a.coilstate";
  write_state_file(p, sa.save_state());
  EXPECT_THROW(sb.restore_state(read_state_file(p, 0)), Error);
  try {
    read_state_file(p, b->fingerprint());
    FAIL() << "a state of another model was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("different model"), std::string::npos);
  }
}

TEST(StateFile, FingerprintIsStableAcrossLoadsAndBackends) {
  ModelOptions o = test::options();
  o.backend = "cpu";
  auto a = Model::open(test::model_dir("falcon-tiny-bf16"), o);
  o.backend = "cpu-ref";
  auto b = Model::open(test::model_dir("falcon-tiny-bf16"), o);
  EXPECT_EQ(a->fingerprint(), b->fingerprint());
}

}  // namespace
}  // namespace coil
