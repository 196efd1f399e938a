#include "sanitizers.hpp"

#include <malloc.h>

#ifdef COIL_ASAN
#include <sanitizer/allocator_interface.h>
#endif

namespace coil::test {

size_t heap_in_use() {
#ifdef COIL_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}

}  // namespace coil::test
