// Lexical normalization, and realpath(3) inside the sandbox: the canonical guest path
// its resolver tracks anyway.
#include "fs/realpath.h"

#include <vector>

namespace burrow::fs {

std::string normalize(const std::string& base, const std::string& rel) {
  std::vector<std::string> parts;
  auto add = [&](const std::string& s) {
    size_t pos = 0;
    while (pos <= s.size()) {
      size_t end = s.find('/', pos);
      if (end == std::string::npos) end = s.size();
      std::string c = s.substr(pos, end - pos);
      if (c == "..") {
        if (!parts.empty()) parts.pop_back();
      } else if (!c.empty() && c != ".") {
        parts.push_back(c);
      }
      pos = end + 1;
    }
  };
  if (rel.empty() || rel[0] != '/') add(base);
  add(rel);
  std::string out;
  for (const auto& c : parts) out += "/" + c;
  return out.empty() ? "/" : out;
}

std::string real_path(const Sandbox& sandbox, std::string path) {
  path = normalize("/", path);
  std::string canonical;
  return sandbox.canonical(path, &canonical) == 0 ? canonical : path;
}

}  // namespace burrow::fs
