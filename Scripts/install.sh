#!/usr/bin/env bash
# Installs charlstm into PREFIX: the binaries as PREFIX/bin/charlstm and PREFIX/bin/charlstm-serve (the HTTP
# server that `charlstm serve` runs) and the bundled model as PREFIX/share/charlstm/default.safetensors, where an
# installed charlstm looks for it. Everything else they need (the pages) is compiled into them.
#
#   swift build -c release && Scripts/install.sh /usr/local          # system-wide (run as root)
#   swift build -c release && Scripts/install.sh ~/.local            # for one user; put ~/.local/bin on PATH
#
# The binaries installed are .build/release/charlstm and charlstm-serve beside it, or the charlstm named by the
# CHARLSTM_BINARY environment variable and the charlstm-serve beside that.
set -euo pipefail

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    echo "usage: Scripts/install.sh PREFIX   (after swift build -c release; installs PREFIX/bin/charlstm and PREFIX/share/charlstm/)" >&2
    exit 2
fi
prefix="$1"
checkout="$(cd "$(dirname "$0")/.." && pwd)"
binary="${CHARLSTM_BINARY:-$checkout/.build/release/charlstm}"
server="$(dirname "$binary")/charlstm-serve"
model="$checkout/checkpoints/default.safetensors"

if [ ! -x "$binary" ]; then
    echo "install.sh: $binary: no built charlstm; run swift build -c release first" >&2
    exit 1
fi
if [ ! -f "$model" ]; then
    echo "install.sh: $model: the bundled model is missing from the checkout" >&2
    exit 1
fi

# Each file is copied beside its destination and renamed into place, so a running charlstm or a failed copy
# never sees half a file.
install_file() {  # source, destination folder, mode
    mkdir -p "$2"
    local target="$2/$(basename "$1")"
    cp "$1" "$target.installing.$$"
    chmod "$3" "$target.installing.$$"
    mv -f "$target.installing.$$" "$target"
}
install_file "$binary" "$prefix/bin" 755
installed="$prefix/bin/charlstm"
if [ -x "$server" ]; then
    install_file "$server" "$prefix/bin" 755
    installed="$installed, $prefix/bin/charlstm-serve"
else
    echo "install.sh: $server: not built, so charlstm serve will not run (swift build -c release builds it)" >&2
fi
install_file "$model" "$prefix/share/charlstm" 644
echo "installed $installed and $prefix/share/charlstm/default.safetensors"
