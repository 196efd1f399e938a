// The one exception type the engine throws. Its message is meant for a person: it names
// the file, tensor or device concerned and says what is wrong.
#pragma once
#include <stdexcept>
#include <string>

namespace coil {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace coil
