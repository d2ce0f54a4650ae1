#!/usr/bin/env python3
"""Build corpora/python.txt: about 2 MB of Python source from Debian's Python 3 standard library.

A text of another kind than prose, for checking how training choices carry over (docs/quality.md, "Other texts").
It takes the `.py` files under /usr/lib/python3.X (packages libpython3.X-minimal and libpython3.X-stdlib, present
wherever Debian's python3 is) but for the test suites and the two bundled applications (idlelib, lib2to3), shuffles
them as whole files with a fixed seed, so that the held-out last 10% is whole modules the model never read, and
concatenates those that fit in 2,000,000 bytes. Tabs and newlines are kept, other control characters
dropped. The output is the same on every machine with the same package version.

    python3 corpora/build_python.py            # writes corpora/python.txt
"""
import pathlib
import random
import re
import sys

LIMIT = 2_000_000
LEFT_OUT = {"test", "tests", "idlelib", "lib2to3", "site-packages", "dist-packages", "__pycache__"}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def main() -> int:
    roots = sorted(pathlib.Path("/usr/lib").glob("python3.[0-9]*"))
    roots = [r for r in roots if (r / "os.py").is_file()]
    if not roots:
        print("no /usr/lib/python3.X/os.py: install Debian's python3 first (apt-get install python3)", file=sys.stderr)
        return 1
    root = roots[-1]
    files = sorted(p for p in root.rglob("*.py") if not LEFT_OUT & set(p.relative_to(root).parts[:-1]))
    random.Random(20261207).shuffle(files)
    parts, size = [], 0
    for path in files:
        text = CONTROL.sub("", path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n"))
        if not text.strip():
            continue
        text = text.rstrip("\n") + "\n\n"
        if size + len(text.encode("utf-8")) <= LIMIT:
            parts.append(text)
            size += len(text.encode("utf-8"))
    out = pathlib.Path(__file__).with_name("python.txt")
    out.write_text("".join(parts), encoding="utf-8")
    print(f"wrote {out}: {len(parts)} modules of {root}, {out.stat().st_size} bytes, "
          f"{len(set(out.read_text(encoding='utf-8')))} distinct characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
