#!/usr/bin/env bash
# Regenerates Sources/TokenLedgerTokenizer/Resources/Vocab/{o200k_base,cl100k_base}.bpe and
# unicode-classes.bin from ../shared/vocab/*.tiktoken.gz (or $VOCAB_DIR) and the Swift standard
# library's Unicode data. Run from the package root; takes about a minute in a debug build.
set -euo pipefail
vocab=${VOCAB_DIR:-$(cd "$(dirname "$0")/.." && pwd)/../../shared/vocab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for e in o200k_base cl100k_base; do gunzip -c "$vocab/$e.tiktoken.gz" > "$tmp/$e.tiktoken"; done
(cd "$tmp" && sha256sum -c "$vocab/SHA256SUMS")
TOKENLEDGER_VOCAB_SOURCE=$tmp swift test --filter TokenizerResourceGeneration
