#!/usr/bin/env bash
# Fails unless BINARY asks for no glibc symbol version newer than GLIBC (default 2.17).
#   release/check-glibc.sh target/x86_64-unknown-linux-gnu/dist/mltui 2.17
set -euo pipefail
BIN=${1:?usage: check-glibc.sh BINARY [GLIBC]}
GLIBC=${2:-2.17}
newest=$(objdump -T "$BIN" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
if [ -z "$newest" ]; then
    echo "no GLIBC symbol versions found in $BIN (objdump -T failed?)" >&2
    exit 1
fi
if [ "$(printf '%s\n%s\n' "$newest" "$GLIBC" | sort -V | tail -1)" != "$GLIBC" ]; then
    echo "FAIL: $BIN needs GLIBC_$newest, newer than the promised $GLIBC:" >&2
    objdump -T "$BIN" | grep -F "GLIBC_$newest" | head -5 >&2
    exit 1
fi
echo "newest glibc symbol: GLIBC_$newest (<= $GLIBC)"
