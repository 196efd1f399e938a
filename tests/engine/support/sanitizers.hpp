// What tests need to know when they run under the sanitizers (tools/sanitize-and-fuzz.sh):
// AddressSanitizer replaces malloc, so glibc's mallinfo2 reports nothing, and its shadow
// memory needs terabytes of address space.
#pragma once
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define COIL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COIL_ASAN 1
#endif
#endif

namespace coil::test {

#ifdef COIL_ASAN
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// Heap bytes in use by the process right now: mallinfo2 (all arenas and mmapped chunks), or
// AddressSanitizer's allocator under ASan.
size_t heap_in_use();

}  // namespace coil::test
