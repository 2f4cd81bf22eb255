#!/usr/bin/env bash
# Bounded fuzzing of every target under fuzz/ (docs/ARCHITECTURE.md, "Fuzzing").
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]     (default: 300 seconds, every target)
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Each target starts from
# its saved corpus in fuzz/corpus/<target>/, runs in a scratch corpus with bounded memory (1 GiB)
# and time per input (10 s), and what found new coverage is merged back into the saved corpus,
# which the test suite replays (tests/it/fuzz_corpus.rs). A crash stops with the input saved
# under fuzz/artifacts/<target>/; add it to the corpus once fixed.
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
  cp fuzz/corpus/"$t"/* "$scratch"/
  before=$(ls fuzz/corpus/"$t" | wc -l)
  log=$(mktemp)
  cargo +nightly fuzz run -O --fuzz-dir fuzz "$t" "$scratch" -- \
    -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 >"$log" 2>&1 || {
      tail -40 "$log"; echo "fuzz target $t failed: see fuzz/artifacts/$t/"; exit 1; }
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  peak=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cargo +nightly fuzz run -O --fuzz-dir fuzz "$t" fuzz/corpus/"$t" "$scratch" -- -merge=1 >/dev/null 2>&1
  after=$(ls fuzz/corpus/"$t" | wc -l)
  echo "$t: ${seconds}s, $runs inputs, peak RSS ${peak} MB, 0 crashes; corpus $before → $after files"
  rm -rf "$scratch" "$log"
done
