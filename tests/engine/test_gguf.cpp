// The GGUF reader against hostile files: every malformed header is a coil::Error naming
// the file (and the key or tensor), never a crash, a huge allocation or a wrong answer.
// Files are built byte by byte here, so each field can be made wrong on its own.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "coil/atomic_file.hpp"
#include "coil/error.hpp"
#include "coil/gguf.hpp"
#include "coil/gguf_writer.hpp"
#include "coil/model.hpp"
#include "coil/quants.hpp"
#include "coil/tokenizer.hpp"
#include "options.hpp"
#include "paths.hpp"

namespace coil {
namespace {

#define EXPECT_HAS(msg, part) \
  EXPECT_NE(std::string(msg).find(part), std::string::npos) << "message: " << (msg)

// A GGUF file written field by field.
struct Raw {
  std::string b;
  template <class T>
  Raw& put(T v) {
    b.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  Raw& str(const std::string& s) {
    put<uint64_t>(s.size());
    b += s;
    return *this;
  }
  Raw& header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
    b += "GGUF";
    return put<uint32_t>(version).put<uint64_t>(tensors).put<uint64_t>(kvs);
  }
  Raw& kv_u32(const std::string& k, uint32_t v) { return str(k).put<uint32_t>(4).put<uint32_t>(v); }
  Raw& kv_str(const std::string& k, const std::string& v) { return str(k).put<uint32_t>(8).str(v); }
  Raw& tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
    str(name).put<uint32_t>(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) put<uint64_t>(d);
    return put<uint32_t>(type).put<uint64_t>(offset);
  }
  Raw& pad(size_t align = 32) {
    while (b.size() % align) b += '\0';
    return *this;
  }
  Raw& data(size_t n, char fill = 0) {
    b.append(n, fill);
    return *this;
  }
};

std::filesystem::path write(const std::string& bytes, const std::string& name = "t.gguf") {
  const auto p = test::temp_dir() / name;
  std::ofstream(p, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

// The error of opening `bytes` as a GGUF (or "" if it opened).
std::string open_error(const std::string& bytes) {
  const auto p = write(bytes);
  try {
    GgufFile f(p);
    return "";
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), p.string());
    return e.what();
  }
}

TEST(Gguf, ReadsHeaderMetadataAndTensors) {
  Raw r;
  r.header(2, 4).kv_str("general.architecture", "mamba").kv_u32("general.alignment", 64);
  r.str("some.floats")
      .put<uint32_t>(9)
      .put<uint32_t>(6)
      .put<uint64_t>(2)
      .put<float>(1.5f)
      .put<float>(-2.f);
  r.str("flag").put<uint32_t>(7).put<uint8_t>(1);
  r.tensor("a", {32, 2}, 8, 0).tensor("b", {4}, 0, 128);  // Q8_0 [2, 32], F32 [4]
  r.pad(64).data(68, 1).pad(64).data(16, 2);
  const auto p = write(r.b);
  GgufFile f(p);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.get_string("general.architecture"), "mamba");
  ASSERT_NE(f.get_float_array("some.floats"), nullptr);
  EXPECT_EQ(*f.get_float_array("some.floats"), (std::vector<double>{1.5, -2.0}));
  EXPECT_EQ(f.get_bool("flag"), true);
  EXPECT_EQ(f.get_uint("general.alignment"), 64u);
  EXPECT_FALSE(f.get_uint("absent").has_value());
  const TensorView* a = f.find_tensor("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, DType::Q8_0);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 32}));  // ne reversed: rows first
  EXPECT_EQ(a->nbytes, 68u);
  EXPECT_EQ(static_cast<const uint8_t*>(a->data)[0], 1);
  const TensorView* b = f.find_tensor("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(static_cast<const uint8_t*>(b->data)[0], 2);
  EXPECT_EQ(f.find_tensor("c"), nullptr);
  // a key of another type is an error naming it
  try {
    f.get_uint("general.architecture");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "general.architecture is a string, expected an integer");
  }
}

// The first bytes of a file (what an HTTP Range request brings): the architecture and the
// file type are read as far as the bytes go; a prefix that is not a GGUF is an error.
TEST(Gguf, HeaderProbeReadsAPrefix) {
  Raw r;
  r.header(0, 4).kv_str("general.architecture", "mamba").kv_u32("general.file_type", 15);
  r.kv_str("general.name", "probe").str("tokenizer.ggml.tokens").put<uint32_t>(9);
  r.put<uint32_t>(8).put<uint64_t>(1000000);  // a huge array the prefix cuts off
  r.str("a");
  const auto* p = reinterpret_cast<const uint8_t*>(r.b.data());
  GgufHeaderProbe probe = probe_gguf_header(p, r.b.size(), "x.gguf");
  EXPECT_EQ(probe.version, 3u);
  EXPECT_EQ(probe.architecture, "mamba");
  ASSERT_TRUE(probe.file_type.has_value());
  EXPECT_EQ(gguf_file_type_name(*probe.file_type), "Q4_K_M");
  EXPECT_EQ(probe.name, "probe");
  EXPECT_FALSE(probe.complete);
  // cut inside the architecture's value: nothing known, no error
  probe = probe_gguf_header(p, 24 + 8 + 20 + 4 + 3, "x.gguf");
  EXPECT_EQ(probe.architecture, "");
  EXPECT_FALSE(probe.complete);
  // a whole small file reads completely
  Raw whole;
  whole.header(0, 1).kv_str("general.architecture", "llama");
  probe = probe_gguf_header(reinterpret_cast<const uint8_t*>(whole.b.data()), whole.b.size(), "y");
  EXPECT_TRUE(probe.complete);
  EXPECT_EQ(probe.architecture, "llama");
  // not a GGUF at all, or too short: errors naming what was read
  const std::string html = "<html><body>Not found</body></html>";
  try {
    probe_gguf_header(reinterpret_cast<const uint8_t*>(html.data()), html.size(), "z.gguf");
    FAIL() << "an HTML page read as a GGUF header";
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "z.gguf");
    EXPECT_HAS(e.what(), "magic");
  }
  EXPECT_THROW(probe_gguf_header(p, 10, "short"), Error);
  EXPECT_EQ(gguf_file_type_name(32), "BF16");
  EXPECT_EQ(gguf_file_type_name(7), "Q8_0");
  EXPECT_EQ(gguf_file_type_name(4), "");  // removed upstream: not named
}

TEST(Gguf, VersionTwoReadsAndOthersAreRefused) {
  Raw v2;
  v2.header(0, 1, 2).kv_u32("x", 1);
  EXPECT_EQ(open_error(v2.b), "");
  for (uint32_t v : {1u, 4u, 0x03000000u}) {
    Raw r;
    r.header(0, 0, v);
    const std::string e = open_error(r.b);
    EXPECT_HAS(e, v == 1 ? "version 1" : v == 4 ? "unknown GGUF version 4" : "big-endian");
  }
}

TEST(Gguf, MalformedHeadersAreClearErrors) {
  struct Case {
    const char* what;
    Raw file;
    const char* expect;
  };
  std::vector<Case> cases;
  auto add = [&](const char* what, Raw r, const char* expect) {
    cases.push_back({what, r, expect});
  };
  {
    Raw r;
    r.b = "GGUX";
    r.put<uint32_t>(3).put<uint64_t>(0).put<uint64_t>(0);
    add("bad magic", r, "magic");
  }
  {
    Raw r;
    r.b = "GGUF";
    add("too short", r, "truncated");
  }
  add("absurd tensor count", Raw().header(uint64_t(1) << 60, 0),
      "claims 1152921504606846976 tensors");
  add("absurd kv count", Raw().header(0, uint64_t(1) << 62), "metadata entries");
  add("absurd key length", Raw().header(0, 1).put<uint64_t>(uint64_t(1) << 40).data(70000),
      "bytes long");
  add("key past the end", Raw().header(0, 1).put<uint64_t>(100).data(10), "truncated");
  add("string past the end",
      Raw().header(0, 1).str("k").put<uint32_t>(8).put<uint64_t>(1000).data(4), "truncated");
  add("unknown value type", Raw().header(0, 1).str("k").put<uint32_t>(13).put<uint32_t>(0),
      "unknown value type 13");
  add("absurd array count",
      Raw().header(0, 1).str("k").put<uint32_t>(9).put<uint32_t>(8).put<uint64_t>(uint64_t(1)
                                                                                  << 50),
      "cannot fit");
  add("unknown array element type",
      Raw().header(0, 1).str("k").put<uint32_t>(9).put<uint32_t>(77).put<uint64_t>(1),
      "unknown array element type 77");
  {
    Raw r;  // each level: an array holding one array
    r.header(0, 1).str("deep").put<uint32_t>(9);
    for (int i = 0; i < 6; ++i) r.put<uint32_t>(9).put<uint64_t>(1);
    r.put<uint32_t>(4).put<uint64_t>(0);
    add("arrays nested too deep", r, "nested more than");
  }
  add("bad boolean", Raw().header(0, 1).str("k").put<uint32_t>(7).put<uint8_t>(7),
      "boolean byte 7");
  add("duplicate key", Raw().header(0, 2).kv_u32("k", 1).kv_u32("k", 2),
      "metadata k appears twice");
  add("alignment not a power of two", Raw().header(0, 1).kv_u32("general.alignment", 48),
      "general.alignment 48 is not a power of two");
  add("alignment zero", Raw().header(0, 1).kv_u32("general.alignment", 0), "not a power of two");
  add("alignment of another type", Raw().header(0, 1).kv_str("general.alignment", "32"),
      "general.alignment is a string");
  add("tensor with 5 dims", Raw().header(1, 0).tensor("t", {1, 1, 1, 1, 1}, 0, 0), "5 dimensions");
  add("tensor with 0 dims", Raw().header(1, 0).tensor("t", {}, 0, 0), "0 dimensions");
  add("zero dimension", Raw().header(1, 0).tensor("t", {4, 0}, 0, 0), "impossible dimension 0");
  add("dimensions overflowing",
      Raw().header(1, 0).tensor("t", {uint64_t(1) << 40, uint64_t(1) << 40}, 0, 0),
      "impossible dimension");
  add("tensor name too long", Raw().header(1, 0).tensor(std::string(65, 'n'), {4}, 0, 0),
      "more than the 64 allowed");
  add("unknown tensor type", Raw().header(1, 0).tensor("t", {32}, 99, 0).pad().data(64),
      "tensor t has unknown type 99");
  add("rows not whole blocks", Raw().header(1, 0).tensor("t", {48}, 12, 0).pad().data(1024),
      "not a whole number of Q4_K blocks of 256");
  add("misaligned offset", Raw().header(1, 0).tensor("t", {4}, 0, 8).pad().data(64),
      "not a multiple of the alignment 32");
  add("tensor past the end", Raw().header(1, 0).tensor("t", {64}, 0, 0).pad().data(100),
      "extends past the end of the file");
  add("offset far outside",
      Raw().header(1, 0).tensor("t", {4}, 0, uint64_t(1) << 62).pad().data(64),
      "extends past the end");
  add("overlapping tensors",
      Raw().header(2, 0).tensor("a", {16}, 0, 0).tensor("b", {16}, 0, 32).pad().data(128),
      "tensors a and b overlap");
  add("duplicate tensor",
      Raw().header(2, 0).tensor("a", {4}, 0, 0).tensor("a", {4}, 0, 32).pad().data(64),
      "tensor a appears twice");
  add("data section missing", Raw().header(1, 0).tensor("t", {4}, 0, 0), "");
  for (auto& c : cases) {
    const std::string e = open_error(c.file.b);
    EXPECT_NE(e, "") << c.what << ": opened";
    EXPECT_HAS(e, c.expect) << c.what;
    EXPECT_HAS(e, "GGUF") << c.what;
  }
}

TEST(Gguf, TensorsMisalignedForTheirTypeAreRefused) {
  // general.alignment 1 lets a tensor start anywhere: an F32 tensor at an odd address would
  // be read in place by the kernels (undefined behaviour), so it is refused.
  auto file = [](uint64_t offset) {
    Raw r;
    r.header(1, 1).kv_u32("general.alignment", 1).tensor("t", {2}, 0, offset);
    return r;
  };
  const size_t data_start = file(0).b.size();
  const uint64_t odd = (4 - data_start % 4) % 4 + 1;  // data_start + odd == 1 (mod 4)
  Raw r = file(odd);
  r.data(odd + 8);
  EXPECT_HAS(open_error(r.b), "not a multiple of the 4 bytes its values need");
  Raw ok = file((4 - data_start % 4) % 4);
  ok.data(16);
  EXPECT_EQ(open_error(ok.b), "");
}

TEST(Gguf, UnsupportedTypesAreRefusedNamingTypeAndTensor) {
  Raw r;
  r.header(1, 0).tensor("blk.0.ssm_in.weight", {256}, 10, 0).pad().data(84);  // Q2_K
  const auto p = write(r.b);
  GgufFile f(p);  // the header is fine
  ASSERT_NE(f.first_unsupported(), nullptr);
  try {
    f.find_tensor("blk.0.ssm_in.weight");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_HAS(e.what(), "blk.0.ssm_in.weight");
    EXPECT_HAS(e.what(), "has type Q2_K, which Coil does not read");
  }
}

TEST(Gguf, HostileTokenizersAreClearErrors) {
  auto tokenizer_error = [](Raw r) {
    const auto p = write(r.b, "tok.gguf");
    try {
      Tokenizer::load(p);
      return std::string();
    } catch (const Error& e) {
      return std::string(e.what());
    }
  };
  // a tokenizer.huggingface.json nested a million deep must not exhaust the stack
  EXPECT_HAS(tokenizer_error(Raw().header(0, 1).kv_str("tokenizer.huggingface.json",
                                                       std::string(1000000, '['))),
             "tokenizer.huggingface.json): JSON nested deeper than 64 levels");
  EXPECT_HAS(tokenizer_error(Raw().header(0, 1).kv_str("tokenizer.huggingface.json", "{oops")),
             "tokenizer.huggingface.json): invalid JSON");
  EXPECT_HAS(tokenizer_error(Raw().header(0, 1).kv_str("tokenizer.ggml.model", "llama")),
             "tokenizer model 'llama' is not supported");
  EXPECT_HAS(tokenizer_error(Raw().header(0, 1).kv_u32("x", 1)), "has no tokenizer");
  Raw pre;
  pre.header(0, 4).kv_str("tokenizer.ggml.model", "gpt2").kv_str("tokenizer.ggml.pre", "qwen2");
  pre.str("tokenizer.ggml.tokens").put<uint32_t>(9).put<uint32_t>(8).put<uint64_t>(1).str("a");
  pre.str("tokenizer.ggml.merges").put<uint32_t>(9).put<uint32_t>(8).put<uint64_t>(0);
  EXPECT_HAS(tokenizer_error(pre), "pre-tokenizer 'qwen2' is not supported");
  Raw types;  // token_type of another length than tokens
  types.header(0, 4).kv_str("tokenizer.ggml.model", "gpt2");
  types.str("tokenizer.ggml.tokens").put<uint32_t>(9).put<uint32_t>(8).put<uint64_t>(1).str("a");
  types.str("tokenizer.ggml.merges").put<uint32_t>(9).put<uint32_t>(8).put<uint64_t>(0);
  types.str("tokenizer.ggml.token_type").put<uint32_t>(9).put<uint32_t>(5).put<uint64_t>(2);
  types.put<int32_t>(1).put<int32_t>(1);
  EXPECT_HAS(tokenizer_error(types), "token_type has 2 entries for 1 tokens");
}

// A minimal valid model file for the model-level checks below: falcon-mamba with H = 32,
// one layer, everything F32 except what `type` says for ssm_in.
struct TinyModel {
  int64_t V = 64, H = 32, D = 64, N = 4, K = 4, R = 2;
  DType in_type = DType::F32;
  std::string arch = "mamba";
  int64_t meta_hidden = 32;
  bool with_output = false;

  std::filesystem::path write(const std::string& name = "m.gguf") const {
    GgufWriter w;
    w.set_string("general.architecture", arch);
    w.set_u32("mamba.embedding_length", static_cast<uint32_t>(meta_hidden));
    w.set_u32("mamba.block_count", 1);
    w.set_u32("mamba.ssm.inner_size", static_cast<uint32_t>(D));
    w.set_u32("mamba.ssm.state_size", static_cast<uint32_t>(N));
    w.set_u32("mamba.ssm.conv_kernel", static_cast<uint32_t>(K));
    w.set_u32("mamba.ssm.time_step_rank", static_cast<uint32_t>(R));
    w.set_f32("mamba.attention.layer_norm_rms_epsilon", 1e-5f);
    w.set_bool("mamba.ssm.dt_b_c_rms", true);
    auto t = [&](const std::string& n, DType dt, std::vector<int64_t> shape, float v) {
      w.add_tensor(n, dt, shape, [dt, shape, v](uint8_t* dst) {
        int64_t cnt = 1;
        for (auto d : shape) cnt *= d;
        std::vector<float> vals(cnt);
        for (int64_t i = 0; i < cnt; ++i) vals[i] = v * float((i * 37) % 11 - 5) / 5;
        quantize_row(dt, vals.data(), dst, cnt);
      });
    };
    t("token_embd.weight", DType::F32, {V, H}, 0.5f);
    t("output_norm.weight", DType::F32, {H}, 1);
    if (with_output) t("output.weight", DType::F32, {V, H}, 0.2f);
    t("blk.0.attn_norm.weight", DType::F32, {H}, 1);
    t("blk.0.ssm_in.weight", in_type, {2 * D, H}, 0.2f);
    t("blk.0.ssm_conv1d.weight", DType::F32, {D, K}, 0.3f);
    t("blk.0.ssm_conv1d.bias", DType::F32, {D}, 0.1f);
    t("blk.0.ssm_x.weight", DType::F32, {R + 2 * N, D}, 0.2f);
    t("blk.0.ssm_dt.weight", DType::F32, {D, R}, 0.2f);
    t("blk.0.ssm_dt.bias", DType::F32, {D}, -2);
    t("blk.0.ssm_a", DType::F32, {D, N}, -1);
    t("blk.0.ssm_d", DType::F32, {D}, 1);
    t("blk.0.ssm_out.weight", DType::F32, {H, D}, 0.2f);
    const auto p = test::temp_dir() / name;
    w.write(p);
    return p;
  }
};

std::string load_error(const std::filesystem::path& p) {
  ModelOptions o = test::options();
  o.backend = "cpu-ref";
  try {
    Model::open(p, o);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

TEST(GgufModel, ATinyModelLoadsAndRuns) {
  const auto p = TinyModel{}.write();
  ModelOptions o = test::options();
  o.backend = "cpu-ref";
  auto m = Model::open(p, o);
  EXPECT_EQ(m->config().arch, Arch::FalconMamba);
  EXPECT_EQ(m->config().vocab_size, 64);
  EXPECT_TRUE(m->config().tie_word_embeddings);
  EXPECT_DOUBLE_EQ(m->config().mixer_rms_eps, 1e-6);
  EXPECT_EQ(m->name(), "m");
}

TEST(GgufModel, ShapesDisagreeingWithTheMetadataAreRefused) {
  TinyModel t;
  t.meta_hidden = 48;
  const std::string e = load_error(t.write());
  EXPECT_HAS(e,
             "has shape [64, 32] but its metadata (the vocabulary 64, mamba.embedding_length 48)");
}

TEST(GgufModel, OtherArchitecturesAreRefused) {
  TinyModel t;
  t.arch = "llama";
  EXPECT_HAS(load_error(t.write()), "holds a 'llama' model; Coil runs architecture 'mamba'");
}

TEST(GgufModel, MissingAndUnexpectedTensorsAreNamed) {
  GgufWriter w;
  w.set_string("general.architecture", "mamba");
  const auto p = test::temp_dir() / "empty.gguf";
  w.write(p);
  EXPECT_HAS(load_error(p), "no mamba.embedding_length");
}

// GgufWriter writes through write_file_atomically: a failure while producing the data keeps
// the old file as it was and leaves no temporary file in the folder.
TEST(GgufWriter, AFailedWriteKeepsTheOldFileAndLeavesNoTemporary) {
  const auto dir = test::temp_dir() / "gguf-atomic";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto p = dir / "out.gguf";
  GgufWriter ok;
  ok.set_string("general.architecture", "mamba");
  ok.write(p);
  const auto good_size = std::filesystem::file_size(p);

  GgufWriter w;
  w.set_string("general.architecture", "mamba");
  w.add_tensor("t", DType::F32, {4, 4}, [](uint8_t*) { throw Error("fill failed"); });
  EXPECT_THROW(w.write(p), Error);
  EXPECT_EQ(std::filesystem::file_size(p), good_size);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    ++files;
    EXPECT_EQ(e.path().filename().string().find(kTempFileMarker), std::string::npos) << e.path();
  }
  EXPECT_EQ(files, 1);
}

TEST(GgufModel, UnsupportedWeightTypeIsRefusedAtLoad) {
  // a valid Q8_0 model whose ssm_in is retagged IQ4_NL (a type Coil does not read) in the header
  TinyModel t;
  t.in_type = DType::Q8_0;
  const auto p = t.write();
  std::string bytes;
  {
    std::ifstream in(p, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string name = "blk.0.ssm_in.weight";
  const size_t at = bytes.find(name);
  ASSERT_NE(at, std::string::npos);
  // name, u32 n_dims (2), 2 x u64 ne, then the u32 type: Q8_0 (8) -> IQ4_NL (20), same size
  const size_t type_at = at + name.size() + 4 + 16;
  uint32_t type;
  std::memcpy(&type, &bytes[type_at], 4);
  ASSERT_EQ(type, 8u);
  type = 20;
  std::memcpy(&bytes[type_at], &type, 4);
  const auto q = write(bytes, "iq.gguf");
  const std::string e = load_error(q);
  EXPECT_HAS(e, "blk.0.ssm_in.weight");
  EXPECT_HAS(e, "IQ4_NL");
}

TEST(GgufModel, RandomCorruptionNeverCrashes) {
  TinyModel t;
  t.in_type = DType::Q8_0;
  const auto p = t.write();
  std::string good;
  {
    std::ifstream in(p, std::ios::binary);
    good.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::mt19937 rng(99);
  int opened = 0, refused = 0;
  for (int i = 0; i < 300; ++i) {
    std::string b = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      const size_t at = rng() % std::min<size_t>(b.size(), 1200);  // the header
      b[at] = static_cast<char>(rng());
    }
    if (rng() % 5 == 0) b.resize(rng() % b.size());
    const auto q = write(b, "fuzz.gguf");
    const std::string e = load_error(q);
    (e.empty() ? opened : refused)++;
  }
  EXPECT_GT(refused, 0);
  RecordProperty("opened", opened);
}

}  // namespace
}  // namespace coil
