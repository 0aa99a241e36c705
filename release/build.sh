#!/usr/bin/env bash
# Builds the portable mltui binary: x86_64 Linux, runs on glibc >= 2.17 (CentOS 7, Ubuntu
# 16.04 and later), stripped, one file. Checks its own output and fails if the binary needs
# a newer glibc than promised.
#
#   release/build.sh            -> dist/mltui-<version>-x86_64-linux-gnu (+ .sha256)
#
# Needs: Rust (cargo), Python 3 with pip (for the Zig toolchain, package `ziglang`), and
# binutils' objdump. cargo-zigbuild and Zig are installed on first use into ~/.cache/mltui-release.
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC=2.17
TARGET=x86_64-unknown-linux-gnu
ZIGLANG_VERSION=0.15.2
ZIGBUILD_VERSION=0.24.1
CACHE="${MLTUI_RELEASE_CACHE:-$HOME/.cache/mltui-release}"

# Zig, from PyPI (cargo-zigbuild runs `python3 -m ziglang` when no `zig` is on PATH).
if ! "$CACHE/zig-venv/bin/python" -c "import ziglang" 2>/dev/null; then
    echo "== installing ziglang $ZIGLANG_VERSION into $CACHE/zig-venv"
    python3 -m venv "$CACHE/zig-venv"
    "$CACHE/zig-venv/bin/pip" install --quiet --disable-pip-version-check "ziglang==$ZIGLANG_VERSION"
fi
export PATH="$CACHE/zig-venv/bin:$PATH"

if ! command -v cargo-zigbuild >/dev/null 2>&1; then
    echo "== installing cargo-zigbuild $ZIGBUILD_VERSION"
    cargo install --locked --root "$CACHE/cargo" --version "$ZIGBUILD_VERSION" cargo-zigbuild
    export PATH="$CACHE/cargo/bin:$PATH"
fi

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MLTUI_BUILD_COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || MLTUI_BUILD_COMMIT="$MLTUI_BUILD_COMMIT-dirty"
export MLTUI_BUILD_COMMIT MLTUI_BUILD_GLIBC=$GLIBC MLTUI_BUILD_DATE=$(date -u +%Y-%m-%d)

echo "== building mltui $VERSION for $TARGET (glibc >= $GLIBC)"
cargo zigbuild --locked --profile dist --target "$TARGET.$GLIBC"
BIN="target/$TARGET/dist/mltui"

echo "== checking $BIN"
release/check-glibc.sh "$BIN" "$GLIBC"
if objdump -h "$BIN" | grep -q '\.debug_'; then
    echo "FAIL: $BIN is not stripped" >&2
    exit 1
fi
"$BIN" --version

mkdir -p dist
OUT="dist/mltui-$VERSION-x86_64-linux-gnu"
cp "$BIN" "$OUT"
(cd dist && sha256sum "$(basename "$OUT")" > "$(basename "$OUT").sha256")
echo "== $OUT: $(du -h "$OUT" | cut -f1) ($(stat -c %s "$OUT") bytes)"
