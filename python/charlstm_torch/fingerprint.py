"""charlstm's corpus fingerprint, FNV-1a (64-bit): in C (`_fnv1a.c`, built by `pip install ./python`), or, where
that was not built, in Python at a few megabytes a second."""
import sys

try:
    from ._fnv1a import fnv1a as _c_fnv1a
except ImportError:
    _c_fnv1a = None

OFFSET_BASIS = 0xCBF29CE484222325
PRIME = 0x100000001B3
_warned = []


def python_fnv1a(data, seed=OFFSET_BASIS):
    value = seed
    for byte in bytes(data):
        value = ((value ^ byte) * PRIME) & 0xFFFFFFFFFFFFFFFF
    return value


def fnv1a(data, seed=OFFSET_BASIS):
    """FNV-1a of a bytes-like object (a numpy view of a mapped file included), as an int."""
    if _c_fnv1a is not None:
        return _c_fnv1a(data, seed)
    if len(data) > 1 << 24 and not _warned:
        _warned.append(True)
        print("charlstm_torch: fingerprinting in Python, which takes about a minute for 100 MB; `pip install "
              "./python` builds the C version", file=sys.stderr)
    return python_fnv1a(data, seed)
