#!/bin/sh
# install.sh: installs the `chat` executable of a release for this machine,
# after checking it against the release's SHA256SUMS.
#
#   curl -fsSL https://github.com/OWNER/REPO/releases/latest/download/install.sh | sh
#   sh install.sh [--dir DIR] [--version TAG] [--repo OWNER/REPO] [--base-url URL]
#
#   --dir DIR       where to put `chat` (default $CHAT_INSTALL_DIR, else ~/.local/bin)
#   --version TAG   a release tag such as v0.2.0 (default: the latest release)
#   --repo O/R      the GitHub repository of the releases (set in the release's copy)
#   --base-url URL  where the release files are (chat-linux-x64, ..., SHA256SUMS);
#                   default https://github.com/REPO/releases/latest/download
#
# The file names are those of scripts/compile.ts (TARGETS). POSIX sh: runs under
# dash, busybox and bash alike.
set -eu

REPO="${CHAT_REPO:-}" # the release workflow writes the repository in here
DIR="${CHAT_INSTALL_DIR:-}"
VERSION=""
BASE_URL=""

die() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<'EOF'
Usage: install.sh [--dir DIR] [--version TAG] [--repo OWNER/REPO] [--base-url URL]
Installs the chat executable of a release for this machine, checked against
the release's SHA256SUMS, into DIR (default $CHAT_INSTALL_DIR, else ~/.local/bin).
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dir) [ $# -ge 2 ] || die "--dir needs a directory"; DIR=$2; shift 2 ;;
    --dir=*) DIR=${1#*=}; shift ;;
    --version) [ $# -ge 2 ] || die "--version needs a tag like v0.2.0"; VERSION=$2; shift 2 ;;
    --version=*) VERSION=${1#*=}; shift ;;
    --repo) [ $# -ge 2 ] || die "--repo needs OWNER/REPO"; REPO=$2; shift 2 ;;
    --repo=*) REPO=${1#*=}; shift ;;
    --base-url) [ $# -ge 2 ] || die "--base-url needs a URL"; BASE_URL=$2; shift 2 ;;
    --base-url=*) BASE_URL=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option \"$1\" (try --help)" ;;
  esac
done

# The release file for this machine: chat-OS-ARCH, as scripts/compile.ts names them.
os=$(uname -s 2>/dev/null || echo unknown)
arch=$(uname -m 2>/dev/null || echo unknown)
case "$os" in
  Linux) os_name=linux ;;
  Darwin) os_name=macos ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT) os_name=windows ;;
  *) os_name="" ;;
esac
case "$arch" in
  x86_64 | amd64) arch_name=x64 ;;
  aarch64 | arm64) arch_name=arm64 ;;
  *) arch_name="" ;;
esac
asset=""
case "$os_name-$arch_name" in
  linux-x64 | linux-arm64 | macos-x64 | macos-arm64) asset="chat-$os_name-$arch_name" ;;
  windows-x64) asset="chat-windows-x64.exe" ;;
esac
if [ -z "$asset" ]; then
  die "there is no chat release for this system ($os $arch); releases are built for Linux x64 and arm64, macOS x64 and arm64 and Windows x64. Build one from the source instead: deno task compile"
fi

if [ -z "$BASE_URL" ]; then
  [ -n "$REPO" ] || die "which repository? give --repo OWNER/REPO (or --base-url URL)"
  if [ -n "$VERSION" ]; then
    BASE_URL="https://github.com/$REPO/releases/download/$VERSION"
  else
    BASE_URL="https://github.com/$REPO/releases/latest/download"
  fi
fi
BASE_URL=${BASE_URL%/}
[ -n "$DIR" ] || {
  [ -n "${HOME:-}" ] || die "HOME is not set: give --dir DIR"
  DIR="$HOME/.local/bin"
}

if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --proto '=https,http' -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "needs curl or wget to download the release"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  die "needs sha256sum or shasum to check the download"
fi

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t chat-install)
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 1' INT TERM

fetch "$BASE_URL/SHA256SUMS" "$tmp/SHA256SUMS" ||
  die "cannot download $BASE_URL/SHA256SUMS (is the release there?)"
fetch "$BASE_URL/$asset" "$tmp/$asset" || die "cannot download $BASE_URL/$asset"

# "HASH  NAME" (or "HASH *NAME" in binary mode), one line per file.
expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS")
[ -n "$expected" ] || die "SHA256SUMS lists no $asset: not installed"
actual=$(sha256 "$tmp/$asset")
if [ "$expected" != "$actual" ]; then
  die "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual; not installed (try again, or report it)"
fi

name=chat
[ "$os_name" = windows ] && name=chat.exe
mkdir -p "$DIR" || die "cannot create $DIR"
chmod 755 "$tmp/$asset"
# Copied beside the target, then renamed over it: a running chat is not disturbed.
cp "$tmp/$asset" "$DIR/.$name.new.$$" || die "cannot write to $DIR (try --dir)"
mv -f "$DIR/.$name.new.$$" "$DIR/$name" || die "cannot write $DIR/$name"

printf 'installed %s (%s) to %s\n' "$asset" "$("$DIR/$name" --version 2>/dev/null || echo "checksum ok")" "$DIR/$name"
case ":${PATH:-}:" in
  *":$DIR:"*) ;;
  *) # shellcheck disable=SC2016 # $PATH is for the user to type, not to expand
    printf 'note: %s is not on your PATH; add it, e.g. export PATH="%s:$PATH"\n' "$DIR" "$DIR"
    ;;
esac
