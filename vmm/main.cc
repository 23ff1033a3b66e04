// The command line: `burrow run [options] -- PROGRAM [ARGS...]`. The only place
// exceptions are caught (CLI11 reports parse errors with them).
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <optional>
#include <map>
#include <string>

#include <fmt/format.h>

#include "result.h"
#include "run/options.h"
#include "rewrite/rewrite_command.h"
#include "run/runner.h"

namespace {

void say(const std::string& line) {
  std::string s = "burrow: " + line + "\n";
  (void)!::write(STDERR_FILENO, s.data(), s.size());
}

// "256M", "1G", "65536k", "268435456": bytes.
std::optional<uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t used = 0;
  unsigned long long value;
  try {
    value = std::stoull(text, &used, 10);
  } catch (...) {
    return std::nullopt;
  }
  std::string suffix = text.substr(used);
  uint64_t shift = 0;
  if (suffix == "" || suffix == "b" || suffix == "B")
    shift = 0;
  else if (suffix == "k" || suffix == "K")
    shift = 10;
  else if (suffix == "m" || suffix == "M")
    shift = 20;
  else if (suffix == "g" || suffix == "G")
    shift = 30;
  else
    return std::nullopt;
  if (value > (~0ull >> shift)) return std::nullopt;
  return value << shift;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Burrow: run an unmodified Linux x86-64 program as a unikernel in its own KVM virtual machine"};
  app.set_version_flag("--version", "burrow 0.1.0");
  app.require_subcommand(1);

  burrow::RunOptions options;
  std::string memory = "256M";
  CLI::App* run = app.add_subcommand("run", "Boot PROGRAM in a new VM; exit with its exit status (128+N for signal N)");
  run->add_option("-m,--memory", memory, "Guest memory (e.g. 256M, 1G)")->capture_default_str();
  run->add_option("--cpus", options.cpus, "Number of vCPUs")->capture_default_str();
  run->add_option("-e,--env", options.env_overrides, "Set an environment variable (K=V, or K to pass the caller's)");
  run->add_flag("--clear-env", options.clear_env, "Start from an empty environment");
  std::string root, workdir;
  run->add_option("--root", root, "Make DIR the guest's whole / (read-write); nothing else is visible");
  run->add_option("-v,--volume", options.volumes, "Mount a host directory: HOST:GUEST[:ro]");
  run->add_option("-w,--workdir", workdir, "The program's working directory (a guest path)");
  run->add_flag("--strace", options.strace, "Print every system call, strace-style, on stderr");
  run->add_flag("--stats", options.stats, "Print VM exit counts and timings on stderr at exit");
  std::string cache_dir;
  run->add_option("--cache", cache_dir,
                  "Keep rewriter analyses and page profiles in DIR (default: $XDG_CACHE_HOME/burrow); it must "
                  "be yours alone");
  run->add_flag("--no-cache", options.no_cache, "Keep nothing on disk between runs");
  run->add_flag("!--no-rewrite", options.rewrite,
                "Leave syscall instructions alone: every system call traps (by default they are "
                "rewritten into direct calls at load time)");
  run->add_flag("--fast", options.rewrite, "Rewrite syscall instructions into direct calls (the default)");
  std::string poll = "auto";
  run->add_option("--poll", poll,
                  "Serve file hypercalls from a second host thread that watches the guest, without VM exits: "
                  "auto (where exits are dear and a second CPU is free: PVM), on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  std::vector<std::string> command;
  run->add_option("command", command, "PROGRAM and its arguments");
  // Options after PROGRAM belong to it (as with docker run); `--` also ends ours.
  run->prefix_command();
  run->footer("Usage: burrow run [OPTIONS] [--] PROGRAM [ARGS...]");

  std::string rewrite_in, rewrite_out;
  bool rewrite_verbose = false;
  CLI::App* rewrite = app.add_subcommand(
      "rewrite",
      "Rewrite a static program's syscall instructions into direct calls into Burrow's kernel. "
      "The output runs only in Burrow (`burrow run OUT`); natively it would crash");
  rewrite->add_option("input", rewrite_in, "A statically linked x86-64 ELF program")->required();
  rewrite->add_option("-o,--output", rewrite_out, "Where to write the rewritten program")->required();
  rewrite->add_flag("-v,--verbose", rewrite_verbose, "List every syscall site and what became of it");
  rewrite->footer("For dynamically linked programs use `burrow run --fast`, which rewrites at load time.");

  // Everything after the first `--` is the program's, untouched by the parser.
  std::vector<std::string> after_dashes;
  int parsed_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      after_dashes.assign(argv + i + 1, argv + argc);
      parsed_argc = i;
      break;
    }
  }
  try {
    app.parse(parsed_argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    say(fmt::format("{} (see burrow {}--help)", e.what(), run->parsed() ? "run " : rewrite->parsed() ? "rewrite " : ""));
    return static_cast<int>(burrow::ExitCode::kMonitorFailed);
  }

  if (rewrite->parsed()) return burrow::rewrite::run_rewrite_command(rewrite_in, rewrite_out, rewrite_verbose);

  auto bytes = parse_size(memory);
  if (!bytes) {
    say(fmt::format("--memory: cannot read '{}' as a size (use e.g. 256M or 1G)", memory));
    return static_cast<int>(burrow::ExitCode::kMonitorFailed);
  }
  options.memory = *bytes;
  if (!root.empty()) options.root = root;
  if (!workdir.empty()) options.workdir = workdir;
  if (!cache_dir.empty()) options.cache_dir = cache_dir;
  options.poll = poll == "on" ? burrow::PollMode::kOn : poll == "off" ? burrow::PollMode::kOff : burrow::PollMode::kAuto;
  // The program's umask is the caller's; the monitor itself creates files with 0 so
  // that only the program's mode bits (already masked by the guest) apply.
  options.umask = ::umask(0);
  // A write to a closed pipe is an error for the program (EPIPE, then SIGPIPE in the
  // guest), not the death of the monitor.
  std::signal(SIGPIPE, SIG_IGN);
  // The monitor maps the program's files from the host's page cache; if someone
  // truncates one on the host mid-run, touching it raises SIGBUS: say so and stop,
  // rather than dying of the signal.
  struct sigaction bus {};
  bus.sa_handler = [](int) {
    static const char kMessage[] =
        "burrow: a file the program runs from was truncated on the host while mapped (SIGBUS); stopping\n";
    (void)!::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
    ::_exit(static_cast<int>(burrow::ExitCode::kMonitorFailed));
  };
  ::sigaction(SIGBUS, &bus, nullptr);
  for (auto& arg : run->remaining()) command.push_back(arg);
  // prefix_command() stops at the first unknown argument; one that looks like an
  // option (before any `--`) is a mistyped option of ours, not a program.
  if (!command.empty() && command.front().size() > 1 && command.front()[0] == '-') {
    say(fmt::format("run: unknown option {} (see burrow run --help)", command.front()));
    return static_cast<int>(burrow::ExitCode::kMonitorFailed);
  }
  for (auto& arg : after_dashes) command.push_back(arg);
  if (command.empty()) {
    say("run: no program given (usage: burrow run [OPTIONS] [--] PROGRAM [ARGS...])");
    return static_cast<int>(burrow::ExitCode::kMonitorFailed);
  }
  options.program = command.front();
  options.argv = command;

  options.exit_when_done = true;
  auto status = burrow::run::run(options);
  if (!status) {
    say(status.error().message);
    return static_cast<int>(status.error().code);
  }
  return *status;
}
