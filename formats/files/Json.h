//===- Json.h - Total accessors for untrusted JSON --------------*- C++ -*-===//
//
// llmq builds without exceptions, and nlohmann::json reports a wrong type by
// throwing (so: aborting). Checkpoints are untrusted input ("unk_token": null
// is common), so every read of a field goes through these accessors, which
// return the fallback for a missing or mistyped field instead.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_JSON_H
#define LLMQ_FORMATS_FILES_JSON_H

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace llmq::json {

using Json = nlohmann::json;

/// The member `key` of `object`, or null if `object` is no object or lacks it.
inline const Json &member(const Json &object, const char *key) {
  static const Json null;
  if (!object.is_object())
    return null;
  auto it = object.find(key);
  return it == object.end() ? null : *it;
}

inline std::string getString(const Json &object, const char *key,
                             std::string fallback = {}) {
  const Json &v = member(object, key);
  return v.is_string() ? v.get<std::string>() : fallback;
}

inline bool getBool(const Json &object, const char *key, bool fallback) {
  const Json &v = member(object, key);
  return v.is_boolean() ? v.get<bool>() : fallback;
}

inline int64_t getInt(const Json &object, const char *key, int64_t fallback) {
  const Json &v = member(object, key);
  return v.is_number_integer() ? v.get<int64_t>() : fallback;
}

/// The member `key` if it is an array, else an empty array.
inline const Json &getArray(const Json &object, const char *key) {
  static const Json empty = Json::array();
  const Json &v = member(object, key);
  return v.is_array() ? v : empty;
}

/// Parses `text`, refusing an object that repeats a key (nlohmann keeps the
/// last, which would silently bind a name to other bytes). Returns a
/// discarded value for text that is not JSON; on a repeated key, also a
/// discarded value, with the first repeated key in `duplicate`.
inline Json parseNoDuplicateKeys(std::string_view text,
                                 std::optional<std::string> &duplicate) {
  duplicate.reset();
  std::vector<std::set<std::string>> open;
  bool repeated = false;
  auto callback = [&](int, Json::parse_event_t event, Json &parsed) {
    switch (event) {
    case Json::parse_event_t::object_start:
      open.emplace_back();
      break;
    case Json::parse_event_t::object_end:
      if (!open.empty())
        open.pop_back();
      break;
    case Json::parse_event_t::key:
      if (!repeated && !open.empty() && parsed.is_string() &&
          !open.back().insert(parsed.get<std::string>()).second) {
        repeated = true;
        duplicate = parsed.get<std::string>();
      }
      break;
    default:
      break;
    }
    return true;
  };
  Json json = Json::parse(text.begin(), text.end(), callback, false);
  if (repeated)
    return Json(Json::value_t::discarded);
  return json;
}

} // namespace llmq::json

#endif // LLMQ_FORMATS_FILES_JSON_H
