#!/usr/bin/env bash
# Bounded fuzzing of every target under fuzz/ (docs/ARCHITECTURE.md, "Fuzzing").
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]     (default: 300 seconds, every target)
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Each target starts from
# its committed corpus in fuzz/corpus/<target>/ and the working corpus of earlier runs in
# fuzz/corpus-full/<target>/ (not committed), runs with bounded memory (1 GiB) and time per input
# (10 s), and what found new coverage is merged into the working corpus. The committed corpus,
# which the test suite replays (tests/it/fuzz_corpus.rs), is the seeds plus a small sample of the
# working one (the smallest inputs of a set-cover merge). A crash stops with the input saved under
# fuzz/artifacts/<target>/; add it to fuzz/corpus/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(document config plan run_log batch query)
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/fuzz}
cargo +nightly fuzz build -O --fuzz-dir fuzz
for t in "${targets[@]}"; do
  scratch=$(mktemp -d)
  full=fuzz/corpus-full/"$t"
  mkdir -p "$full"
  cp fuzz/corpus/"$t"/* "$scratch"/
  cp -n "$full"/* "$scratch"/ 2>/dev/null || true
  before=$(ls "$full" | wc -l)
  log=$(mktemp)
  cargo +nightly fuzz run -O --fuzz-dir fuzz "$t" "$scratch" -- \
    -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 >"$log" 2>&1 || {
      tail -40 "$log"; echo "fuzz target $t failed: see fuzz/artifacts/$t/"; exit 1; }
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  peak=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cargo +nightly fuzz run -O --fuzz-dir fuzz "$t" "$full" "$scratch" -- -merge=1 -set_cover_merge=1 >/dev/null 2>&1
  after=$(ls "$full" | wc -l)
  echo "$t: ${seconds}s, $runs inputs, peak RSS ${peak} MB, 0 crashes; working corpus $before → $after files"
  rm -rf "$scratch" "$log"
done
