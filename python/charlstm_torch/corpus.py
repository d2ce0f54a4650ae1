"""The corpus as charlstm reads it (Sources/CharLSTM/Text: CorpusSelection, TextFile, Corpus), rule for rule, in
constant memory:

- **Which files.** The paths given, in order; a folder stands for every regular file under it, depth first, the
  names at each level in byte order. Names starting with a dot and links to folders are left out. Patterns are
  shell globs (the C library's fnmatch, as charlstm uses) matched against a file's path relative to the folder, or
  against its name alone when the pattern has no `/`: with include patterns a file must match one; a file or
  folder matching an exclude pattern is left out. Under a folder, an empty or non-UTF-8 file is skipped and counted;
  a file named directly (or recorded by a run) must be text.
- **One file** is UTF-8; a leading byte-order mark is not part of it; every other character counts, `\\r` included.
  Many files are read as one text, file after file, with nothing between them.
- **Validation.** One text holds out its last characters, char-rnn's way: the first floor(n · (1 − fraction))
  characters train, the rest validate. Many files hold out whole files: a Fisher–Yates shuffle of the
  file indices by xoshiro256** seeded 0x5EEDF11E (SplitMix64), then, in that order, each file that keeps the held-out
  share within 1.5 × the fraction, until the fraction is reached or one file is left to train on; when no file fits,
  the last characters, as for one file.

A file is memory-mapped and scanned once in pieces (UTF-8 check, character count, character counts, where each piece
starts); FNV-1a of its bytes (the fingerprint) runs beside the scan in C. Ids are decoded from the mapping only for
the stretches asked for (`CorpusText.read`), so no copy of the text is ever held in memory.
"""
import bisect
import ctypes
import ctypes.util
import fnmatch
import math
import mmap
import os
import stat
import threading

import numpy as np

from . import fingerprint as fnv

PIECE_BYTES = 1 << 22  # a piece of the scan: its decoded copy (at most 4 bytes a character) stays small
BYTE_ORDER_MARK = b"\xef\xbb\xbf"
SPLIT_SEED = 0x5EEDF11E  # Corpus.splitSeed
VALIDATION_OVERSHOOT = 1.5  # Corpus.validationOvershoot


class CorpusError(ValueError):
    """A corpus that cannot be trained on; the message names the file and what is wrong."""


class NotText(CorpusError):
    """A file that is empty or not UTF-8 (skipped under a folder, an error when named)."""

    def __init__(self, message, reason):
        super().__init__(message)
        self.reason = reason


# MARK: Which files

def _libc_function(name, argtypes=None, restype=None):
    """A function of the C library, or None where it has none (then a Python equivalent, or nothing, is used)."""
    try:
        function = getattr(ctypes.CDLL(ctypes.util.find_library("c") or None), name)
    except (OSError, AttributeError):
        return None
    if argtypes is not None:
        function.argtypes, function.restype = argtypes, restype
    return function


_FNMATCH = _libc_function("fnmatch", (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int), ctypes.c_int)


def _matches(patterns, relative):
    name = relative.rsplit("/", 1)[-1]
    for pattern in patterns:
        subject = relative if "/" in pattern else name
        if _FNMATCH is not None:
            if _FNMATCH(os.fsencode(pattern), os.fsencode(subject), 0) == 0:
                return True
        elif fnmatch.fnmatchcase(subject, pattern):
            return True
    return False


def select(paths, include=(), exclude=()):
    """[(path, name)] of the files `paths` name, in the corpus's order (name: relative to the folder given, or the
    path as given for a file named directly)."""
    entries = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError as error:
            raise CorpusError(f"{path}: cannot read ({error.strerror})") from None
        if stat.S_ISDIR(info.st_mode):
            root = path[:-1] if len(path) > 1 and path.endswith("/") else path
            _walk(root, "", include, exclude, entries)
        else:
            entries.append((path, path))
    if not entries:
        patterns = " matching the patterns given" if include or exclude else ""
        raise CorpusError(f"{', '.join(paths)}: no files{patterns} to train on")
    return entries


def _walk(root, relative, include, exclude, entries):
    folder = root + "/" + relative if relative else root
    try:
        names = os.listdir(folder)
    except OSError:
        raise CorpusError(f"{folder}: cannot list the folder") from None
    for name in sorted(names, key=os.fsencode):
        if name.startswith("."):
            continue
        path = relative + "/" + name if relative else name
        if _matches(exclude, path):
            continue
        full = root + "/" + path
        try:
            info = os.stat(full)
        except OSError:
            continue  # a dangling link
        if stat.S_ISDIR(info.st_mode):
            if not os.path.islink(full):
                _walk(root, path, include, exclude, entries)
        elif stat.S_ISREG(info.st_mode) and (not include or _matches(include, path)):
            entries.append((full, path))


def is_single_file(paths):
    """Whether the selection can only be one file: a single path naming a file (then it is recorded, named and split
    as that file)."""
    return len(paths) == 1 and os.path.exists(paths[0]) and not os.path.isdir(paths[0])


# MARK: One file

_MALLOC_TRIM = _libc_function("malloc_trim")  # glibc's


def _return_freed_memory():
    """Hands the heap's free blocks back to the system. A decoded piece's temporaries (a copy of its bytes, the
    string, its code points: up to 16 × PIECE_BYTES) are freed at once, but glibc keeps such blocks in its heap once
    a larger one has been freed, and over a gigabyte of mixed text the heap grew by 400 MB of free space; the trim
    keeps it at one piece's worth. A no-op where the C library has no malloc_trim."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class TextFile:
    """A UTF-8 file, scanned once: `char_count`, `byte_count`, `points` and `point_counts` (its distinct code
    points, ascending, and how often each occurs), `fingerprint`, and the pieces the scan read (first byte, first
    character, whether all ASCII), so that any stretch decodes without a scan. The file is mapped only while it is
    read, so a folder of any number of files holds no mappings, and a file costs a few hundred bytes."""

    __slots__ = ("path", "byte_count", "char_count", "points", "point_counts", "byte_starts", "char_starts", "ascii",
                 "_fnv")

    HASH_BESIDE = 1 << 24  # bytes from which FNV-1a runs in a thread beside the scan

    def __init__(self, path):
        self.path = path
        data = self._mapped(expected=None)
        self.byte_count = len(data)
        if len(data) >= self.HASH_BESIDE:
            hashing = threading.Thread(target=self._hash, args=(data,), daemon=True)
            hashing.start()
            try:
                self._scan(data)
            finally:
                hashing.join()
        else:
            self._hash(data)
            self._scan(data)

    def _hash(self, data):
        self._fnv = fnv.fnv1a(data)

    @property
    def fingerprint(self):
        """FNV-1a (64-bit) of every byte, byte-order mark included, in hexadecimal."""
        return format(self._fnv, "x")

    def _mapped(self, expected):
        """The file's bytes, mapped, as a numpy view; the mapping goes when the last view of it does. `expected`: the
        size the file must still have."""
        try:
            with open(self.path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if expected is not None and size != expected:
                    raise CorpusError(f"{self.path}: the file changed while it was loaded ({expected} bytes, now {size})")
                if size == 0:
                    raise NotText(f"{self.path}: the file is empty", "empty")
                return np.frombuffer(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ), dtype=np.uint8)
        except OSError as error:
            raise CorpusError(f"{self.path}: cannot read ({error.strerror})") from None

    def _scan(self, data):
        start = 3 if data[:3].tobytes() == BYTE_ORDER_MARK else 0
        self.byte_starts, self.char_starts, self.ascii = [], [], []
        ascii_counts = np.zeros(128, dtype=np.int64)
        other = {}
        characters = 0
        begin = start
        while begin < self.byte_count:
            end = min(self.byte_count, begin + PIECE_BYTES)
            moved = 0
            while end < self.byte_count and moved < 3 and data[end] & 0xC0 == 0x80:
                end, moved = end + 1, moved + 1
            piece = data[begin:end]
            self.byte_starts.append(begin)
            self.char_starts.append(characters)
            if piece.max() < 0x80:
                self.ascii.append(True)
                ascii_counts += np.bincount(piece, minlength=128)
                characters += end - begin
            else:
                self.ascii.append(False)
                points = self._decode(data, begin, end)
                found = np.bincount(points)
                for point in np.flatnonzero(found):
                    other[int(point)] = other.get(int(point), 0) + int(found[point])
                characters += len(points)
            begin = end
        if characters == 0:
            raise NotText(f"{self.path}: the file is empty", "empty")
        self.char_count = characters
        for point in np.flatnonzero(ascii_counts):
            other[int(point)] = other.get(int(point), 0) + int(ascii_counts[point])
        self.points = np.array(sorted(other), dtype=np.uint32)
        self.point_counts = np.array([other[point] for point in self.points.tolist()], dtype=np.int64)
        self.byte_starts.append(self.byte_count)
        self.char_starts.append(characters)

    def _decode(self, data, begin, end):
        """The code points of bytes begin ..< end, which start and end on character boundaries."""
        try:
            text = str(memoryview(data[begin:end]), "utf-8")
        except UnicodeDecodeError as error:
            raise NotText(f"{self.path}: not valid UTF-8 (first bad byte at offset {begin + error.start})",
                          "not UTF-8 text") from None
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        del text
        _return_freed_memory()
        return points

    def read(self, start, count, table, out):
        """Writes the ids (`table[code point]`) of characters start ..< start + count into `out`."""
        piece = bisect.bisect_right(self.char_starts, start) - 1
        written = 0
        data = self._mapped(expected=self.byte_count)
        while written < count:
            first, last = self.char_starts[piece], self.char_starts[piece + 1]
            low = start + written - first
            take = min(count - written, last - first - low)
            if self.ascii[piece]:
                begin = self.byte_starts[piece] + low
                out[written:written + take] = table[data[begin:begin + take]]
            else:
                try:
                    points = self._decode(data, self.byte_starts[piece], self.byte_starts[piece + 1])
                except NotText:
                    raise CorpusError(f"{self.path}: the file changed while it was loaded") from None
                out[written:written + take] = table[points[low:low + take]]
            written += take
            piece += 1

    def text(self):
        """The whole text as a string (for texts small enough to hold: evaluation, tests)."""
        data = self._mapped(expected=self.byte_count)
        start = 3 if data[:3].tobytes() == BYTE_ORDER_MARK else 0
        return data[start:].tobytes().decode("utf-8")


def read_text(path):
    """A text file's characters, as charlstm reads them."""
    return TextFile(path).text()


# MARK: Many files as one text

class Corpus:
    """The files of a run, in order: `files` [(name, TextFile)], `skipped` [(path, reason)], and what they were
    chosen from (`paths`, `include`, `exclude`; None for one file named as such)."""

    def __init__(self, files, skipped=(), paths=None, include=(), exclude=()):
        self.files, self.skipped = list(files), list(skipped)
        self.paths, self.include, self.exclude = paths, list(include), list(exclude)
        self.single = paths is None
        self.char_count = sum(f.char_count for _, f in self.files)
        self.byte_count = sum(f.byte_count for _, f in self.files)
        points, where = np.unique(np.concatenate([f.points for _, f in self.files]), return_inverse=True)
        counts = np.bincount(where, weights=np.concatenate([f.point_counts for _, f in self.files]))
        self.counts = dict(zip(points.tolist(), counts.astype(np.int64).tolist()))  # code point → occurrences

    @classmethod
    def load(cls, paths, include=(), exclude=()):
        """The corpus `paths` (files or folders) and the patterns name."""
        if is_single_file(paths):
            return cls([(paths[0], TextFile(paths[0]))])
        return cls._loading(select(paths, include, exclude), paths, include, exclude, strict=False)

    @classmethod
    def _loading(cls, entries, paths, include, exclude, strict):
        files, skipped = [], []
        for path, name in entries:
            try:
                files.append((name, TextFile(path)))
            except NotText as error:
                if strict or path in paths:
                    raise
                skipped.append((path, error.reason))
        if not files:
            raise CorpusError(f"{', '.join(paths)}: none of its {len(entries)} files is UTF-8 text")
        return cls(files, skipped, list(paths), include, exclude)

    @classmethod
    def reload(cls, record, root=None):
        """The files `record` (a checkpoint's `corpus`) names: under `root` when given (they moved), else where they
        were; every one must be there, as text."""
        if "files" not in record:
            path = root or record["path"]
            return cls([(path, TextFile(path))])
        entries = [(root + "/" + f["name"] if root else f["path"], f["name"]) for f in record["files"]]
        paths = [root] if root else record.get("paths") or [record["path"]]
        return cls._loading(entries, paths, record.get("include") or [], record.get("exclude") or [], strict=True)

    @property
    def vocabulary(self):
        """The distinct characters, ascending: charlstm's vocabulary of this text."""
        return [chr(point) for point in sorted(self.counts)]

    @property
    def display_name(self):
        if self.single:
            return self.files[0][1].path
        return f"{' '.join(self.paths)} ({len(self.files)} files)"

    def check_covered(self, vocabulary):
        known = set(vocabulary)
        unknown = [chr(p) for p in sorted(self.counts) if chr(p) not in known]
        if unknown:
            listed = " ".join(repr(c)[1:-1] for c in unknown[:20])
            raise CorpusError(f"{self.display_name}: characters the model's vocabulary lacks: {listed}")

    def record(self):
        """The checkpoint's `corpus` record (charlstm's CorpusRecord)."""
        if self.single:
            text = self.files[0][1]
            return {"path": os.path.abspath(text.path), "byte_count": text.byte_count, "fingerprint": text.fingerprint}
        files = [{"name": name, "path": os.path.abspath(f.path), "byte_count": f.byte_count,
                  "fingerprint": f.fingerprint} for name, f in self.files]
        lines = "".join(f"{f['name']}\t{f['byte_count']}\t{f['fingerprint']}\n" for f in files).encode("utf-8")
        return {"path": os.path.abspath(self.paths[0]), "byte_count": self.byte_count,
                "fingerprint": format(fnv.fnv1a(lines), "x"), "files": files,
                "paths": [os.path.abspath(p) for p in self.paths], "include": self.include, "exclude": self.exclude}

    def difference(self, record):
        """How this corpus differs from the recorded one, in words, or None when it is the same text."""
        now = self.record()
        if "files" not in record:
            if "files" in now:
                return f"the run was trained on one file, {record['path']}"
            if (record["byte_count"], record["fingerprint"]) == (now["byte_count"], now["fingerprint"]):
                return None
            return (f"recorded {record['byte_count']} bytes, fingerprint {record['fingerprint']}; now "
                    f"{now['byte_count']} bytes, fingerprint {now['fingerprint']}")
        found = now.get("files", [])
        if len(found) != len(record["files"]):
            return f"recorded {len(record['files'])} files; now {len(found)}"
        for was, is_now in zip(record["files"], found):
            if (was["name"], was["byte_count"], was["fingerprint"]) != \
                    (is_now["name"], is_now["byte_count"], is_now["fingerprint"]):
                return (f"{is_now['path']} differs from the recorded {was['name']} ({was['byte_count']} bytes, "
                        f"fingerprint {was['fingerprint']}; now {is_now['byte_count']} bytes, fingerprint "
                        f"{is_now['fingerprint']})")
        return None

    def split(self, fraction):
        """(training text, validation text), each a CorpusText with its description."""
        percent = math.floor(fraction * 100 + 0.5)  # Swift's rounded(): halves away from zero
        if len(self.files) > 1:
            random = _Xoshiro(SPLIT_SEED)
            order = list(range(len(self.files)))
            for k in range(len(order) - 1, 0, -1):
                j = random.next() % (k + 1)
                order[k], order[j] = order[j], order[k]
            target = fraction * self.char_count
            held_out, held = [], 0
            for k in order:
                if not (held < target and len(held_out) < len(self.files) - 1):
                    break
                size = self.files[k][1].char_count
                if held + size <= target * VALIDATION_OVERSHOOT:
                    held_out.append(k)
                    held += size
            if held_out:
                held_out.sort()
                chosen = set(held_out)
                kept = [k for k in range(len(self.files)) if k not in chosen]
                share = f"{held * 100 / self.char_count:.1f}%"
                whole = lambda ks: [(k, 0, self.files[k][1].char_count) for k in ks]  # noqa: E731
                return (CorpusText(self, whole(kept), f"the training text ({len(kept)} files)"),
                        CorpusText(self, whole(held_out),
                                   f"the validation text ({len(held_out)} whole files, {share} of the characters)"))
        cut = int(self.char_count * (1 - fraction))
        return (CorpusText(self, self._stretch(0, cut), f"the training text (first {100 - percent}%)"),
                CorpusText(self, self._stretch(cut, self.char_count), f"the validation text (last {percent}%)"))

    def _stretch(self, low, high):
        """[(file, first character, count)] of corpus characters low ..< high, across files."""
        pieces, start = [], 0
        for k, (_, f) in enumerate(self.files):
            a, b = max(low, start), min(high, start + f.char_count)
            if a < b:
                pieces.append((k, a - start, b - a))
            start += f.char_count
        return pieces


class CorpusText:
    """Stretches of a corpus's files read as one sequence of characters (`count` of them)."""

    def __init__(self, corpus, pieces, description):
        self.corpus, self.description = corpus, description
        self.pieces = [p for p in pieces if p[2] > 0]
        self.starts, total = [], 0
        for piece in self.pieces:
            self.starts.append(total)
            total += piece[2]
        self.count = total

    def read(self, start, count, table, out):
        """Writes the ids of characters start ..< start + count into `out`, across files."""
        k = bisect.bisect_right(self.starts, start) - 1
        written = 0
        while written < count:
            file, first, length = self.pieces[k]
            offset = start + written - self.starts[k]
            take = min(count - written, length - offset)
            self.corpus.files[file][1].read(first + offset, take, table, out[written:written + take])
            written += take
            k += 1


def id_table(vocabulary):
    """(table, dtype): table[code point] is the character's id, in the smallest unsigned type that holds every id."""
    dtype = np.uint8 if len(vocabulary) <= 1 << 8 else np.uint16 if len(vocabulary) <= 1 << 16 else np.uint32
    points = [ord(c) for c in vocabulary]
    table = np.zeros(max(points) + 1, dtype=dtype)
    table[points] = np.arange(len(points), dtype=dtype)
    return table, dtype


class _Xoshiro:
    """charlstm's RandomSource: xoshiro256**, seeded through SplitMix64."""
    MASK = (1 << 64) - 1

    def __init__(self, seed):
        mixer, state = seed, []
        for _ in range(4):
            mixer = (mixer + 0x9E3779B97F4A7C15) & self.MASK
            z = mixer
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
            state.append(z ^ (z >> 31))
        self.s = state

    def next(self):
        s, m = self.s, self.MASK
        rotate = lambda x, k: ((x << k) | (x >> (64 - k))) & m  # noqa: E731
        result = (rotate((s[1] * 5) & m, 7) * 9) & m
        t = (s[1] << 17) & m
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotate(s[3], 45)
        return result
