// Reading JSON from untrusted files: the one way Coil parses JSON. The engine parses with
// parse_json / read_json_file; the app checks json_too_deep before QJsonDocument::fromJson
// (app/json/json_document.hpp). See limits.hpp for the limits.
#pragma once
#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "coil/limits.hpp"

namespace coil {

// The byte offset in `text` of the first '[' or '{' that nests deeper than `max_depth`
// (brackets inside strings do not count), or nullopt. Runs on any text in one pass; the
// parser then refuses what is not JSON, knowing it cannot nest deeper than this.
std::optional<size_t> json_too_deep(std::string_view text, int max_depth = limits::kJsonDepth);

// Parses JSON text read from `source` (a file, "the Hub's answer"). Nesting is checked first;
// every failure (syntax, nesting, a number out of range such as 1e400) is a coil::Error
// naming `source` and saying where.
nlohmann::json parse_json(std::string_view text, std::string_view source);
nlohmann::ordered_json parse_ordered_json(std::string_view text, std::string_view source);

// The whole content of `path`, whose size is checked against `max_bytes` before anything is
// read. coil::Error names the file: missing, a folder, unreadable, too large.
std::string read_file_text(const std::filesystem::path& path, uint64_t max_bytes);
// A short quote of `value` for an error message: its JSON text, cut after `max_bytes`.
std::string json_excerpt(const nlohmann::json& value, size_t max_bytes = 80);
std::string json_excerpt(const nlohmann::ordered_json& value, size_t max_bytes = 80);

// read_file_text + parse_json.
nlohmann::json read_json_file(const std::filesystem::path& path,
                              uint64_t max_bytes = limits::kJsonFileBytes);

}  // namespace coil
