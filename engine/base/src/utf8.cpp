// The one UTF-8 validator (coil/utf8.hpp).
#include "coil/utf8.hpp"

namespace coil {
namespace {

// Valid range of the second byte for a given lead byte (Unicode Table 3-7); later
// continuation bytes are always 0x80..0xBF.
struct LeadInfo {
  int len;  // total sequence length, 0 if the byte cannot start a sequence
  unsigned char lo, hi;
};

LeadInfo lead_info(unsigned char b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// How many bytes of the sequence that starts at p[i] with lead `info` are valid: info.len when
// the whole sequence is, less when a byte breaks it or the input ends first.
size_t valid_prefix(const unsigned char* p, size_t n, size_t i, const LeadInfo& info) {
  size_t k = 1;
  while (k < static_cast<size_t>(info.len) && i + k < n) {
    const unsigned char c = p[i + k];
    if (k == 1 ? (c < info.lo || c > info.hi) : (c < 0x80 || c > 0xBF)) break;
    ++k;
  }
  return k;
}

}  // namespace

size_t utf8_valid_len(std::string_view in, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const LeadInfo info = lead_info(p[i]);
  if (info.len == 0) return 0;
  const size_t len = static_cast<size_t>(info.len);
  return valid_prefix(p, in.size(), i, info) == len ? len : 0;
}

size_t append_utf8_lossy(std::string_view in, std::string& out, bool final) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    // Fast path for runs of ASCII.
    size_t j = i;
    while (j < n && p[j] < 0x80) ++j;
    if (j > i) {
      out.append(in.data() + i, j - i);
      i = j;
      continue;
    }
    const LeadInfo info = lead_info(p[i]);
    if (info.len == 0) {
      out.append(kReplacementChar);
      ++i;
      continue;
    }
    const size_t k = valid_prefix(p, n, i, info);  // bytes of the sequence valid so far
    if (k == static_cast<size_t>(info.len)) {
      out.append(in.data() + i, k);
      i += k;
    } else if (i + k < n) {  // a byte broke the sequence
      out.append(kReplacementChar);
      i += k;
    } else {  // truncated at the end of the input
      if (!final) return i;
      out.append(kReplacementChar);
      i = n;
    }
  }
  return n;
}

std::string utf8_lossy(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  append_utf8_lossy(in, out, true);
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace coil
