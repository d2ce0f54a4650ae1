#!/usr/bin/env python3
"""Build corpora/fortunes.txt from Debian's `fortunes` package (apt-get install fortunes).

The fortune collections are public-domain or freely redistributable quotations, jokes and verse. This script picks
the collections listed below, removes terminal overstriking (`_\\bX` sequences) and every other control character
but tab and newline (a stray BEL in the vocabulary would let a model beep the terminal), keeps each fortune's own lines and
its `%` separator, drops the few fortunes whose text was encoded twice, and shuffles the fortunes with a fixed seed so that the validation split (the file's last 10%)
samples every collection. The output is the same on every machine with the same package version.

    python3 corpora/build_fortunes.py            # writes corpora/fortunes.txt
"""
import pathlib
import random
import re
import sys

SOURCE = pathlib.Path("/usr/share/games/fortunes")
# Left out: ascii-art (pictures), debian/linuxcookie/knghtbrd/perl (chat logs), translate-me and pratchett (tiny),
# disclaimer (legalese), and ethnic, men-women, drugs and politics, which a toy model shipped to everyone should
# not riff on.
COLLECTIONS = [
    "art", "computers", "cookie", "definitions", "education", "food", "fortunes", "goedel", "humorists", "kids",
    "law", "linux", "literature", "love", "magic", "medicine", "miscellaneous", "news", "paradoxum", "people",
    "pets", "platitudes", "riddles", "science", "songs-poems", "sports", "startrek", "tao", "wisdom", "work", "zippy",
]
OVERSTRIKE = re.compile(r".\x08")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A handful of fortunes were encoded twice (UTF-8 read as Latin-1): C1 control characters or Ã/Â give them away.
MOJIBAKE = re.compile("[\u0080-\u009f\u00c2\u00c3]")


def main() -> int:
    if not SOURCE.is_dir():
        print(f"{SOURCE} not found: install the fortunes package first (apt-get install fortunes)", file=sys.stderr)
        return 1
    fortunes = []
    for name in COLLECTIONS:
        path = SOURCE / name
        if not path.is_file():
            print(f"{path} is missing; the fortunes package version differs", file=sys.stderr)
            return 1
        text = CONTROL.sub("", OVERSTRIKE.sub("", path.read_text(encoding="utf-8")))
        for fortune in text.split("\n%\n"):
            fortune = fortune.strip("\n%")
            if fortune.strip() and not MOJIBAKE.search(fortune):
                fortunes.append(fortune)
    random.Random(20261121).shuffle(fortunes)
    out = pathlib.Path(__file__).with_name("fortunes.txt")
    out.write_text("".join(f + "\n%\n" for f in fortunes), encoding="utf-8")
    print(f"wrote {out}: {len(fortunes)} fortunes, {out.stat().st_size} bytes, {len(set(out.read_text(encoding='utf-8')))} distinct characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
