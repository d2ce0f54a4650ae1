#!/usr/bin/env python3
"""Build corpora/fortunes-ru.txt from Debian's `fortunes-ru` package (apt-get install fortunes-ru).

A text in another language and script than the bundled model's, for checking how training choices carry over
(docs/quality.md, "Other texts"): Russian quotations and jokes, UTF-8 Cyrillic. Every collection of the package
is read; CR line ends and control characters but tab and newline are dropped, and the fortunes are shuffled with
a fixed seed so that the validation split (the file's last 10%) samples every collection, as build_fortunes.py
does. The output is the same on every machine with the same package version.

    python3 corpora/build_fortunes_ru.py       # writes corpora/fortunes-ru.txt
"""
import pathlib
import random
import re
import sys

SOURCE = pathlib.Path("/usr/share/games/fortunes/ru")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def main() -> int:
    if not SOURCE.is_dir():
        print(f"{SOURCE} not found: install the fortunes-ru package first (apt-get install fortunes-ru)", file=sys.stderr)
        return 1
    fortunes = []
    for path in sorted(SOURCE.iterdir()):
        if path.suffix in (".dat", ".u8") or path.is_symlink() or not path.is_file():
            continue
        text = CONTROL.sub("", path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n"))
        for fortune in text.split("\n%\n"):
            fortune = fortune.strip("\n%")
            if fortune.strip():
                fortunes.append(fortune)
    random.Random(20261207).shuffle(fortunes)
    out = pathlib.Path(__file__).with_name("fortunes-ru.txt")
    out.write_text("".join(f + "\n%\n" for f in fortunes), encoding="utf-8")
    print(f"wrote {out}: {len(fortunes)} fortunes, {out.stat().st_size} bytes, "
          f"{len(out.read_text(encoding='utf-8'))} characters, {len(set(out.read_text(encoding='utf-8')))} distinct")
    return 0


if __name__ == "__main__":
    sys.exit(main())
