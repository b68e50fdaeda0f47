#!/usr/bin/env bash
# Installs TokenLedger into a temporary PREFIX with scripts/install.sh and checks that the installed
# binary works on its own: run with PATH holding only PREFIX/bin, from an empty folder, with an empty
# HOME, it prints its version, counts tokens with the installed vocabulary, and estimates a request.
# Also checks the man page and completions were installed and the Swift runtime is not a shared library.
# Usage: scripts/test-install.sh   (CI runs it after the release build; exits non-zero on any failure)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/tokenledger-install-test.XXXXXX)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
mkdir -p "$work/home" "$work/cwd"

"$root/scripts/install.sh" "$prefix"

failures=0
fail() { echo "test-install: FAIL: $*" >&2; failures=$((failures + 1)); }
# Run the installed command as a user with nothing else: no PATH but PREFIX/bin, no Swift, no build folder.
bare() { (cd "$work/cwd" && env -i PATH="$prefix/bin" HOME="$work/home" tokenledger "$@"); }

version="$(bare --version)" || fail "--version exited $?"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ([0-9a-f]{12}|unknown)\)$ ]] || fail "--version printed '$version'"
if git -C "$root" rev-parse --short=12 HEAD >/dev/null 2>&1; then
  commit="$(git -C "$root" rev-parse --short=12 HEAD)"
  [[ "$version" == *"$commit"* ]] || fail "--version '$version' does not name HEAD $commit"
fi

# "hello world" is [24912, 2375] in o200k_base: two tokens, read from the installed vocabulary.
count="$(printf 'hello world' | bare count)" || fail "count exited $?"
[ "$count" = "2" ] || fail "count of 'hello world' printed '$count', expected 2"

estimate="$(bare estimate "$root/fixtures/estimate/chat-request.json")" || fail "estimate exited $?"
[[ "$estimate" == *'$'* ]] || fail "estimate printed no cost: $estimate"

# Without the vocabulary, one clear sentence and exit 1 (not a crash).
mv "$prefix/share/tokenledger/Vocab" "$work/Vocab.away"
set +e; missing="$(printf 'x' | bare count 2>&1)"; status=$?; set -e
mv "$work/Vocab.away" "$prefix/share/tokenledger/Vocab"
[ "$status" -eq 1 ] && [[ "$missing" == *"vocabulary is missing"* ]] || fail "without Vocab: exit $status, '$missing'"

[ -s "$prefix/share/man/man1/tokenledger.1" ] || fail "no man page"
for f in share/bash-completion/completions/tokenledger share/zsh/site-functions/_tokenledger \
         share/fish/vendor_completions.d/tokenledger.fish; do
  [ -s "$prefix/$f" ] || fail "no completion file $f"
done
if command -v ldd >/dev/null && [ -z "${TOKENLEDGER_DYNAMIC_STDLIB:-}" ]; then
  if ldd "$prefix/bin/tokenledger" | grep -q 'libswift\|libFoundation'; then fail "the Swift runtime is linked dynamically"; fi
fi

if [ "$failures" -gt 0 ]; then echo "test-install: $failures failure(s)" >&2; exit 1; fi
echo "test-install: ok — $version from $prefix/bin with PATH=$prefix/bin only; count, estimate, man page, completions"
