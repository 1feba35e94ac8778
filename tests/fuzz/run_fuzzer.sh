#!/bin/sh
# run_fuzzer.sh FUZZER CORPUS SECONDS [libFuzzer flags...]
# Runs FUZZER for SECONDS on a copy of the seed corpus CORPUS, so that the inputs it finds
# never land in the source tree. Fails on any crash, sanitizer report, leak, timeout or
# out-of-memory; the reproducer is then kept and its path printed.
set -eu
fuzzer=$1
corpus=$2
seconds=$3
shift 3
work=$(mktemp -d "${TMPDIR:-/tmp}/throughline-fuzz.XXXXXX")
mkdir "$work/corpus" "$work/artifacts"
cp -R "$corpus"/. "$work/corpus/"
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$@" "$work/corpus" || status=$?
if [ "$status" -ne 0 ] || [ -n "$(ls "$work/artifacts")" ]; then
  echo "FAILED: $(basename "$fuzzer") exited with $status; reproducers kept in $work/artifacts:" >&2
  ls -l "$work/artifacts" >&2
  echo "replay one with: $fuzzer <file>" >&2
  exit 1
fi
rm -rf "$work"
