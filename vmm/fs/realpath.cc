// realpath(3) inside the sandbox: readlink of each prefix, at host speed.
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
  constexpr int kMaxLinks = 40;
  path = normalize("/", path);
  for (int hops = 0; hops < kMaxLinks; ++hops) {
    bool changed = false;
    for (size_t end = 1; end <= path.size(); ++end) {
      if (end < path.size() && path[end] != '/') continue;
      std::string prefix = path.substr(0, end);
      std::string target;
      if (sandbox.readlink(prefix, &target) < 0) continue;
      std::string dir = prefix.substr(0, prefix.rfind('/'));
      path = normalize(dir.empty() ? "/" : dir, target) + path.substr(end);
      path = normalize("/", path);
      changed = true;
      break;
    }
    if (!changed) return path;
  }
  return path;
}

}  // namespace burrow::fs
