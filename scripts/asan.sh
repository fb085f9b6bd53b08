#!/usr/bin/env bash
# Runs the core's tests (`cargo test -p ferrograd`) under AddressSanitizer.
#
# Sanitizers are a nightly (-Z) feature; RUSTC_BOOTSTRAP=1 lets the stable toolchain
# accept the flag, so no second toolchain is needed. Only our code and the crates we
# depend on are instrumented: the precompiled standard library is not (instrumenting it
# needs -Zbuild-std and the rust-src component). That is the usual practice for Rust
# ASan runs; heap memory is still tracked everywhere, because ASan replaces malloc and
# free for the whole process, so out-of-bounds accesses and use-after-free in our
# kernels and unsafe blocks are caught, and leaks are reported at exit.
#
# Usage: scripts/asan.sh [extra cargo test arguments, e.g. a test name filter]
# Environment: ASAN_TARGET_DIR (default target/asan), ASAN_OPTIONS (added to ours).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${ASAN_TARGET_DIR:-${CARGO_TARGET_DIR:-target}/asan}"
mkdir -p "$target_dir"
log="$target_dir/asan.log"
# The host triple must be explicit: with --target, RUSTFLAGS apply to the crates being
# tested but not to build scripts and proc macros, which cannot load the ASan runtime.
triple="$(rustc -vV | sed -n 's/^host: //p')"

export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Zsanitizer=address ${ASAN_RUSTFLAGS:-}"
export RUSTDOCFLAGS="-Zsanitizer=address"
# detect_leaks: leaks fail the run too. detect_stack_use_after_return finds returned
# references to locals. Options given by the caller come last and win.
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:${ASAN_OPTIONS:-}"

echo "asan: $(rustc --version), target $triple, target dir $target_dir"
start=$(date +%s)
# --lib --tests: unit and integration tests; doctests are skipped because rustdoc
# links them without the sanitizer runtime on stable.
set +e
cargo test -p ferrograd --target "$triple" --target-dir "$target_dir" --lib --tests "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
end=$(date +%s)
passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s += $1} END {print s + 0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s += $1} END {print s + 0}')
findings=$(grep -c 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer' "$log" || true)
echo "asan: $passed passed, $failed failed, $findings sanitizer report(s), $((end - start)) s"
exit "$status"
