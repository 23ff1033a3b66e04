#!/usr/bin/env bash
# Runs PROGRAM natively and under Burrow and diffs stdout, stderr and exit status,
# and with --tree/--setup/--check-tree the files each run leaves behind.
#
# Usage: compare.sh [OPTIONS] -- PROGRAM [ARGS...]
#        compare.sh [OPTIONS] --script SCRIPT
#   --stdin FILE          feed FILE to both runs on stdin (default: /dev/null)
#   --burrow-args "ARGS"  extra options for `burrow run`, split on whitespace
#                         (e.g. "--memory 64M"); values cannot contain spaces
#   --env K=V             add K=V to the environment of both runs (repeatable)
#   --native-env K=V      add K=V to the native run only, to mirror `-e K=V`
#   --native-clear-env    run the native program with an empty environment,
#                         to mirror `--clear-env`
#   --signal              PROGRAM dies of a signal: statuses and stdout must
#                         match, and burrow's stderr must be the native stderr
#                         followed by exactly one line starting with "burrow: "
#   --stderr-grep ERE     instead of comparing stderr, require a line of burrow's
#                         stderr to match ERE (repeatable; used for --strace)
#   --tree DIR            copy DIR's contents (cp -a: modes, times, links) into
#                         each run's fresh working directory, and compare the
#                         two working directories after the runs (--check-tree)
#   --setup SCRIPT        run the bash SCRIPT (with set -e) in each fresh working
#                         directory before the run, after --tree; implies
#                         --check-tree. Use it for what cp -a cannot make (fixed
#                         times with touch -d, copies of test programs)
#   --check-tree          after both runs, compare the working directories: every
#                         entry's path, type, permission bits, link count, owner,
#                         size and SHA-256 of files, symlink targets, and which
#                         paths are hard links of each other (never times or
#                         inode numbers); report a unified diff of the listings
#   --script SCRIPT       instead of one PROGRAM, run the bash SCRIPT in the
#                         working directory (stdin, stdout, stderr and status
#                         compared as for a program). SCRIPT runs every program
#                         through RUN, so each runs in its own VM and pipes
#                         between them are on the host:
#                           RUN [BURROW-OPTIONS... --] PROGRAM [ARGS...]
#                         natively runs PROGRAM ARGS (BURROW-OPTIONS ignored),
#                         under Burrow `burrow run --burrow-args BURROW-OPTIONS
#                         -- PROGRAM ARGS`. $MODE is "native" or "burrow".
#                         Bash runs SCRIPT with pipefail and exports PWD,
#                         SHLVL and _ to the programs, in both modes.
#   --kvm-check           only check that /dev/kvm is usable (exit 0 or 77)
#
# Environment: BURROW, the path of build/burrow.
# Exit status: 0 identical, 1 different, 2 usage or setup error,
#              77 skipped because /dev/kvm is not usable.
#
# Both runs start in their own fresh temporary directory, with the same small
# fixed environment (PATH, LC_ALL, and any --env), stdin from --stdin or
# /dev/null, stdout and stderr to files, and `timeout 60` around them.
# PROGRAM is made absolute first, so argv[0] and AT_EXECFN agree.
set -u

readonly kTimeoutSeconds=60
readonly kBaseEnv=(PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C)

usage() {
  echo "usage: compare.sh [--stdin FILE] [--burrow-args \"ARGS\"] [--env K=V]... [--native-env K=V]..." >&2
  echo "                  [--native-clear-env] [--signal] [--stderr-grep ERE]..." >&2
  echo "                  [--tree DIR] [--setup SCRIPT] [--check-tree] -- PROGRAM [ARGS...]" >&2
  echo "       compare.sh [OPTIONS] --script SCRIPT" >&2
  echo "       compare.sh --kvm-check" >&2
  exit 2
}

# Prints why /dev/kvm cannot be used, or nothing if it can.
kvm_problem() {
  if [[ ! -e /dev/kvm ]]; then
    echo "/dev/kvm does not exist: enable virtualization (or nested KVM) on this machine"
  elif ! (exec 3<>/dev/kvm) 2>/dev/null; then
    echo "cannot open /dev/kvm read-write as user $(id -un): add yourself to group kvm"
  fi
}

skip_if_no_kvm() {
  local problem
  problem=$(kvm_problem)
  if [[ -n $problem ]]; then
    echo "******************************************************************" >&2
    echo "SKIPPED: /dev/kvm not available ($problem)" >&2
    echo "******************************************************************" >&2
    exit 77
  fi
}

stdin_file=/dev/null
burrow_args=()
# BURROW_RUN_ARGS: options for every `burrow run` (e.g. --fast, to run a whole
# suite with rewritten system calls).
[[ -n ${BURROW_RUN_ARGS:-} ]] && read -r -a burrow_args <<<"$BURROW_RUN_ARGS"
both_env=()
native_env=()
native_clear_env=0
signal_mode=0
stderr_greps=()
tree_dir=
setup_script=
check_tree=0
script=
script_mode=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --stdin) [[ $# -ge 2 ]] || usage; stdin_file=$2; shift 2 ;;
    --burrow-args) [[ $# -ge 2 ]] || usage; read -r -a more <<<"$2"; burrow_args+=("${more[@]}"); shift 2 ;;
    --env) [[ $# -ge 2 && $2 == *=* ]] || usage; both_env+=("$2"); shift 2 ;;
    --native-env) [[ $# -ge 2 && $2 == *=* ]] || usage; native_env+=("$2"); shift 2 ;;
    --native-clear-env) native_clear_env=1; shift ;;
    --signal) signal_mode=1; shift ;;
    --stderr-grep) [[ $# -ge 2 ]] || usage; stderr_greps+=("$2"); shift 2 ;;
    --tree) [[ $# -ge 2 ]] || usage; tree_dir=$2; check_tree=1; shift 2 ;;
    --setup) [[ $# -ge 2 ]] || usage; setup_script=$2; check_tree=1; shift 2 ;;
    --check-tree) check_tree=1; shift ;;
    --script) [[ $# -ge 2 ]] || usage; script=$2; script_mode=1; shift 2 ;;
    --kvm-check) skip_if_no_kvm; echo "/dev/kvm is usable"; exit 0 ;;
    --) shift; break ;;
    *) echo "compare.sh: unknown option '$1'" >&2; usage ;;
  esac
done
if [[ $signal_mode -eq 1 && ${#stderr_greps[@]} -gt 0 ]]; then
  echo "compare.sh: --signal and --stderr-grep cannot be combined" >&2
  exit 2
fi

if [[ $script_mode -eq 1 ]]; then
  if [[ $# -gt 0 ]]; then
    echo "compare.sh: --script takes no PROGRAM" >&2
    exit 2
  fi
  if [[ $signal_mode -eq 1 || $native_clear_env -eq 1 ]]; then
    echo "compare.sh: --script cannot be combined with --signal or --native-clear-env" >&2
    exit 2
  fi
else
  [[ $# -ge 1 ]] || usage
  program=$1
  shift
  if [[ $program != */* ]]; then
    resolved=$(command -v -- "$program") || { echo "compare.sh: $program: not found in PATH" >&2; exit 2; }
    program=$resolved
  fi
  [[ $program == /* ]] || program=$PWD/${program#./}
  if [[ ! -f $program ]]; then
    echo "compare.sh: $program does not exist (did the test_programs target build?)" >&2
    exit 2
  fi
fi
if [[ -n $tree_dir ]]; then
  [[ $tree_dir == /* ]] || tree_dir=$PWD/${tree_dir#./}
  if [[ ! -d $tree_dir ]]; then
    echo "compare.sh: --tree $tree_dir is not a directory (did its setup test run?)" >&2
    exit 2
  fi
fi
[[ $stdin_file == /* ]] || stdin_file=$PWD/${stdin_file#./}
if [[ ! -r $stdin_file ]]; then
  echo "compare.sh: cannot read stdin file $stdin_file" >&2
  exit 2
fi
if [[ -z ${BURROW:-} || ! -x ${BURROW} ]]; then
  echo "compare.sh: set BURROW to the path of build/burrow (BURROW='${BURROW:-}')" >&2
  exit 2
fi
[[ $BURROW == /* ]] || BURROW=$PWD/$BURROW

skip_if_no_kvm

work=$(mktemp -d "${TMPDIR:-/tmp}/burrow-compare.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
mkdir "$work/native.cwd" "$work/burrow.cwd"

# Both working directories get the same starting tree before either run.
for name in native burrow; do
  if [[ -n $tree_dir ]] && ! cp -a "$tree_dir/." "$work/$name.cwd/"; then
    echo "compare.sh: cannot copy --tree $tree_dir" >&2
    exit 2
  fi
  if [[ -n $setup_script ]] &&
      ! (cd "$work/$name.cwd" && env -i "${kBaseEnv[@]}" bash -e -c "$setup_script") >"$work/setup.log" 2>&1; then
    echo "compare.sh: the --setup script failed in $work/$name.cwd:" >&2
    cat "$work/setup.log" >&2
    exit 2
  fi
done

# Runs "$@" in $work/NAME.cwd with stdio captured in $work/NAME.{stdout,stderr}
# and the status in $work/NAME.status.
run_captured() {
  local name=$1
  shift
  # NOTE: the outer 2>/dev/null swallows bash's own "Segmentation fault" report;
  # the program's stderr is redirected inside. ulimit -c 0 keeps cores out of
  # the way (a piped core_pattern ignores it; see the filter below).
  {
    (cd "$work/$name.cwd" && ulimit -c 0 && exec timeout -k 5 "$kTimeoutSeconds" "$@") \
      <"$stdin_file" >"$work/$name.stdout" 2>"$work/$name.stderr"
    echo $? >"$work/$name.status"
  } 2>/dev/null
}

if [[ $script_mode -eq 1 ]]; then
  # RUN [BURROW-OPTIONS... --] PROGRAM [ARGS...]; see the usage above.
  readonly kRunNative='RUN() {
  if [[ $1 == -* ]]; then
    while [[ $# -gt 0 && $1 != -- ]]; do shift; done
    shift
  fi
  "$@"
}'
  readonly kRunBurrow='RUN() {
  local options=()
  if [[ $1 == -* ]]; then
    while [[ $# -gt 0 && $1 != -- ]]; do options+=("$1"); shift; done
    shift
  fi
  "$COMPARE_BURROW" run "${COMPARE_BURROW_ARGS[@]}" "${options[@]}" -- "$@"
}'
  quoted_args=
  [[ ${#burrow_args[@]} -gt 0 ]] && quoted_args=$(printf '%q ' "${burrow_args[@]}")
  burrow_prelude="COMPARE_BURROW=$(printf '%q' "$BURROW")
COMPARE_BURROW_ARGS=($quoted_args)
MODE=burrow
$kRunBurrow
"
  native_cmd=(env -i "${kBaseEnv[@]}" "${both_env[@]}" "${native_env[@]}"
              bash -o pipefail -c "MODE=native
$kRunNative
$script")
  burrow_cmd=(env -i "${kBaseEnv[@]}" "${both_env[@]}" bash -o pipefail -c "$burrow_prelude$script")
else
  native_cmd=(env -i "${kBaseEnv[@]}" "${both_env[@]}" "${native_env[@]}" "$program" "$@")
  [[ $native_clear_env -eq 1 ]] && native_cmd=(env -i "$program" "$@")
  burrow_cmd=(env -i "${kBaseEnv[@]}" "${both_env[@]}" "$BURROW" run "${burrow_args[@]}" -- "$program" "$@")
fi

if [[ $script_mode -eq 1 ]]; then
  echo "script (RUN is the program natively, \`$(printf '%s ' "$BURROW" run "${burrow_args[@]}")[OPTIONS] --\` under Burrow):"
  printf '%s\n' "$script" | sed 's/^/    /'
else
  echo "native: $(printf '%q ' "${native_cmd[@]}")"
  echo "burrow: $(printf '%q ' "${burrow_cmd[@]}")"
fi
[[ -n $tree_dir ]] && echo "tree: a copy of $tree_dir in each working directory"
[[ -n $setup_script ]] && printf 'setup (in each working directory):\n%s\n' "$setup_script" | sed '2,$s/^/    /'
run_captured native "${native_cmd[@]}"
run_captured burrow "${burrow_cmd[@]}"

# timeout(1) reports a core dump of its child on its own stderr, which is the
# program's stderr; a VM run has no such line.
readonly kCoreLine='timeout: the monitored command dumped core'
if grep -q -a -x -F "$kCoreLine" "$work/native.stderr"; then
  grep -a -v -x -F "$kCoreLine" "$work/native.stderr" >"$work/native.stderr.filtered"
  mv "$work/native.stderr.filtered" "$work/native.stderr"
fi

native_status=$(<"$work/native.status")
burrow_status=$(<"$work/burrow.status")

describe_status() {
  local status=$1
  if [[ $status -eq 124 ]]; then
    echo "$status (timed out after ${kTimeoutSeconds}s)"
  elif [[ $status -gt 128 && $status -lt 160 ]]; then
    echo "$status (killed by SIG$(kill -l $((status - 128)) 2>/dev/null))"
  else
    echo "$status"
  fi
}

show_diff() {  # what, native file, burrow file
  echo "--- $1 differs:"
  diff -u -a --label "native $1" --label "burrow $1" "$2" "$3" | head -n 200
}

failures=()

for name in native burrow; do
  status_var=${name}_status
  if [[ ${!status_var} -eq 124 ]]; then
    echo "--- the $name run timed out after ${kTimeoutSeconds}s"
    failures+=("$name-timeout")
  fi
done

if [[ $native_status != "$burrow_status" ]]; then
  echo "--- exit status differs: native $(describe_status "$native_status"), burrow $(describe_status "$burrow_status")"
  failures+=(status)
fi

if ! cmp -s "$work/native.stdout" "$work/burrow.stdout"; then
  show_diff stdout "$work/native.stdout" "$work/burrow.stdout"
  failures+=(stdout)
fi

if [[ $signal_mode -eq 1 ]]; then
  if [[ $native_status -le 128 ]]; then
    echo "--- --signal given, but the native run exited with $(describe_status "$native_status")"
    failures+=(signal)
  fi
  # Expected: burrow's stderr is the native stderr, then one line "burrow: ...".
  native_bytes=$(stat -c %s "$work/native.stderr")
  head -c "$native_bytes" "$work/burrow.stderr" >"$work/burrow.stderr.prefix"
  tail -c +"$((native_bytes + 1))" "$work/burrow.stderr" >"$work/burrow.stderr.extra"
  extra_lines=$(wc -l <"$work/burrow.stderr.extra")
  extra_last=$(tail -c 1 "$work/burrow.stderr.extra" | od -An -c | tr -d ' ')
  if ! cmp -s "$work/native.stderr" "$work/burrow.stderr.prefix" ||
      [[ $extra_lines -ne 1 || $extra_last != '\n' ]] ||
      ! head -n 1 "$work/burrow.stderr.extra" | grep -q '^burrow: '; then
    echo "--- stderr: expected the native stderr plus exactly one line starting with \"burrow: \""
    { cat "$work/native.stderr"; echo "burrow: <one line>"; } >"$work/expected.stderr"
    diff -u -a --label "expected stderr" --label "burrow stderr" "$work/expected.stderr" "$work/burrow.stderr" | head -n 200
    failures+=(stderr)
  fi
elif [[ ${#stderr_greps[@]} -gt 0 ]]; then
  for pattern in "${stderr_greps[@]}"; do
    if ! grep -q -E -e "$pattern" "$work/burrow.stderr"; then
      echo "--- burrow stderr has no line matching: $pattern"
      failures+=(stderr-grep)
    fi
  done
  if [[ " ${failures[*]} " == *" stderr-grep "* ]]; then
    echo "--- burrow stderr (first 50 lines):"
    head -n 50 "$work/burrow.stderr"
  fi
elif ! cmp -s "$work/native.stderr" "$work/burrow.stderr"; then
  show_diff stderr "$work/native.stderr" "$work/burrow.stderr"
  failures+=(stderr)
fi

# Prints one line per entry of the tree under $1, sorted by path: path, type,
# permission bits, link count, owner, and for files the size and SHA-256, for
# symlinks the target, for the second and later names of a hard-linked file the
# first name. Leaves out times, inode numbers, and sizes of directories (which
# depend on the history of the directory, not on its contents).
tree_listing() {
  (
    cd "$1" || exit 1
    declare -A first_name
    find . -printf '%p\t%y\t%i\t%#m\t%n\t%U:%G\t%s\t%l\n' | LC_ALL=C sort -t $'\t' -k1,1 |
      while IFS=$'\t' read -r path type inode mode nlink owner size target; do
        line="$path $type mode=$mode nlink=$nlink owner=$owner"
        case $type in
          f)
            line+=" size=$size sha256=$(sha256sum <"$path" | cut -c1-64)"
            if [[ $nlink -gt 1 ]]; then
              first=${first_name[$inode]:-}
              if [[ -n $first ]]; then line+=" same-file-as=$first"; else first_name[$inode]=$path; fi
            fi
            ;;
          l) line+=" -> $target" ;;
        esac
        printf '%s\n' "$line"
      done
  )
}

# Compares the two working directories; shows the listing diff and, for up to
# three files whose contents differ, the difference.
compare_trees() {
  tree_listing "$work/native.cwd" >"$work/native.tree"
  tree_listing "$work/burrow.cwd" >"$work/burrow.tree"
  if cmp -s "$work/native.tree" "$work/burrow.tree"; then
    return 0
  fi
  echo "--- the working directory trees differ (path type mode nlink owner size sha256 -> target):"
  diff -u --label "native tree" --label "burrow tree" "$work/native.tree" "$work/burrow.tree" | head -n 200
  local shown=0 path
  while IFS= read -r path; do
    [[ $shown -lt 3 ]] || break
    if [[ -f $work/native.cwd/$path && -f $work/burrow.cwd/$path && ! -L $work/native.cwd/$path ]] &&
        ! cmp -s "$work/native.cwd/$path" "$work/burrow.cwd/$path"; then
      echo "--- contents of $path differ:"
      if grep -qI . "$work/native.cwd/$path" 2>/dev/null || [[ ! -s $work/native.cwd/$path ]]; then
        diff -u -a --label "native $path" --label "burrow $path" \
          "$work/native.cwd/$path" "$work/burrow.cwd/$path" | head -n 40
      else
        cmp "$work/native.cwd/$path" "$work/burrow.cwd/$path" 2>&1 | sed "s|$work/||g"
      fi
      shown=$((shown + 1))
    fi
  done < <(cd "$work/native.cwd" && find . -type f | LC_ALL=C sort)
  return 1
}

if [[ $check_tree -eq 1 ]] && ! compare_trees; then
  failures+=(tree)
fi

if [[ $signal_mode -eq 0 && $native_status -gt 128 && $native_status -lt 160 &&
      " ${failures[*]} " == *" stderr "* ]]; then
  echo "note: the native run died of a signal; this test probably wants --signal"
fi

if [[ ${#failures[@]} -eq 0 ]]; then
  echo "PASS: same behaviour (exit status $(describe_status "$native_status"))"
  exit 0
fi
echo "FAIL: ${failures[*]}"
exit 1
