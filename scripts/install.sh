#!/usr/bin/env bash
# Builds the release binary and installs TokenLedger under PREFIX (default ~/.local):
#   PREFIX/bin/tokenledger                                   the command
#   PREFIX/share/tokenledger/Vocab/                          tokenizer vocabularies (found beside bin/)
#   PREFIX/share/man/man1/tokenledger*.1                     man pages
#   PREFIX/share/bash-completion/completions/tokenledger     shell completions for bash,
#   PREFIX/share/zsh/site-functions/_tokenledger             zsh
#   PREFIX/share/fish/vendor_completions.d/tokenledger.fish  and fish
# Usage: scripts/install.sh [PREFIX]. Run again to upgrade; the build is incremental.
# The Swift runtime is linked statically where the toolchain allows, so the installed binary needs only
# the system's libsqlite3 and libpq (and glibc). Set TOKENLEDGER_DYNAMIC_STDLIB=1 to link it dynamically.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${1:-$HOME/.local}"
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
cd "$root"

flags=(-c release)
[ -n "${TOKENLEDGER_DYNAMIC_STDLIB:-}" ] || flags+=(--static-swift-stdlib)

# The man page: swift-argument-parser's generate-manual plugin builds the package in release mode and
# writes mdoc pages from the binary's own help. It runs before the final link below because its build
# cannot take --static-swift-stdlib (`swift package` rejects it). If it cannot run, a plain page is made
# from --help instead.
man_dir="$(mktemp -d)"
trap 'rm -rf "$man_dir"' EXIT
manual_ok=""
# TOKENLEDGER_PLAIN_MAN=1 skips the plugin (it builds the package once more) and writes the plain page.
if [ -z "${TOKENLEDGER_PLAIN_MAN:-}" ] && swift package plugin generate-manual >"$man_dir/plugin.log" 2>&1; then
  # The plugin writes into its work folder under .build/plugins (…/GenerateManual/outputs/tokenledger/).
  while IFS= read -r page; do cp "$page" "$man_dir/" && manual_ok=1; done \
    < <(find "$root/.build/plugins" -path '*GenerateManual*' -name 'tokenledger*.1' -newer "$man_dir" 2>/dev/null)
fi

echo "install: swift build ${flags[*]} --product tokenledger"
if ! swift build "${flags[@]}" --product tokenledger; then
  if [ -z "${TOKENLEDGER_DYNAMIC_STDLIB:-}" ]; then
    echo "install: the release build failed. Linking the Swift runtime statically needs libcurl's development files (Debian: apt-get install libcurl4-openssl-dev); or run with TOKENLEDGER_DYNAMIC_STDLIB=1 to link it dynamically." >&2
  fi
  exit 1
fi
bin="$(swift build "${flags[@]}" --show-bin-path)"
vocab="$bin/TokenLedger_TokenLedgerTokenizer.resources/Vocab"
[ -x "$bin/tokenledger" ] && [ -d "$vocab" ] || { echo "install: the build left no $bin/tokenledger or $vocab" >&2; exit 1; }

if [ -z "$manual_ok" ]; then
  echo "install: generate-manual plugin unavailable (see below); writing a plain man page from --help" >&2
  tail -n 5 "$man_dir/plugin.log" >&2 || true
  {
    printf '.TH TOKENLEDGER 1 "%s" "tokenledger %s" "User Commands"\n' "$(date -u +%Y-%m-%d)" "$("$bin/tokenledger" --version)"
    printf '.SH NAME\ntokenledger \\- what your LLM usage costs, before you send a prompt and after, from your logs\n'
    printf '.SH DESCRIPTION\n.nf\n'
    "$bin/tokenledger" --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./'
    printf '.fi\n.SH SEE ALSO\nRun \\fBtokenledger help\\fR \\fIcommand\\fR for each command.\n'
  } > "$man_dir/tokenledger.1"
fi

install -d "$prefix/bin" "$prefix/share/tokenledger" "$prefix/share/man/man1" \
  "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
install -m 755 "$bin/tokenledger" "$prefix/bin/tokenledger"
# Replace the vocabulary folder whole, so a file dropped from the package does not linger.
rm -rf "$prefix/share/tokenledger/Vocab.new"
cp -R "$vocab" "$prefix/share/tokenledger/Vocab.new"
rm -rf "$prefix/share/tokenledger/Vocab"
mv "$prefix/share/tokenledger/Vocab.new" "$prefix/share/tokenledger/Vocab"
install -m 644 "$man_dir"/*.1 "$prefix/share/man/man1/"
"$prefix/bin/tokenledger" --generate-completion-script bash > "$prefix/share/bash-completion/completions/tokenledger"
"$prefix/bin/tokenledger" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_tokenledger"
"$prefix/bin/tokenledger" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/tokenledger.fish"

echo "install: $("$prefix/bin/tokenledger" --version) in $prefix/bin/tokenledger"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "install: add $prefix/bin to your PATH" ;; esac
