#!/usr/bin/env bash
# Runs the whole test suite under a sanitizer: address (ASan: out-of-bounds accesses,
# use-after-free, leaks of the C allocations) or thread (TSan: data races between the CPU
# backend's workers, the concurrent fits of a search and the results store).
#
#   bash tools/sanitize.sh address     # or: thread
#
# Release builds with -enable-testing, as the normal tests, in a build folder of their own
# (.build-address, .build-thread); the end-to-end tests run the instrumented binary too.
# Takes about 10 minutes per sanitizer on 2 cores. Any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer="${1:?usage: tools/sanitize.sh address|thread}"
case "$sanitizer" in address|thread) ;; *) echo "sanitize: address or thread, not $sanitizer" >&2; exit 2 ;; esac

bash tools/install-deps.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The tests skip their memory measurements and address-space limits under a sanitizer.
export LIMITFIT_SANITIZER="$sanitizer"
# PoCL's own runtime is not instrumented: its allocations are not ours to report. ASan's own
# alternate signal stack off: PoCL's worker threads ended with ASan failing to unmap it
# ("failed to deallocate … error code 22" in UnsetAlternateSignalStack), a runtime CHECK, not
# a report about the code.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:use_sigaltstack=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
swift test -c release -Xswiftc -enable-testing --sanitize="$sanitizer" \
  --scratch-path ".build-$sanitizer" 2>&1 | tee "$log"
if grep -qE "ERROR: AddressSanitizer|WARNING: ThreadSanitizer" "$log"; then
  echo "sanitize: $sanitizer sanitizer reported a problem (see above)" >&2
  exit 1
fi
echo "sanitize: $sanitizer sanitizer clean"
