"""charlstm's data rules (README, "Training your own"), followed to the character:

- the text is UTF-8; a leading byte-order mark is not part of it; every other character counts, `\\r` included;
- the vocabulary is the sorted set of its Unicode scalars, a character's id its position in that list;
- the first floor(n · (1 − validation fraction)) characters train, the rest validate;
- a text is served as `streams` contiguous pieces of floor(n / streams) characters; chunk j holds, for stream b
  and step t < T, input piece_b[j·T + t] and target piece_b[j·T + t + 1]; there are (length − 1) // T chunks;
- training uses `batch` streams and resets the carried state at each epoch; validation uses
  min(batch, n // (T + 1)) streams from zero state, carried across its chunks, and reads the first
  min(chunks, max(1, validation_characters // (streams · T))) chunks of them: at most `validation_characters`
  (default evaluate_every · batch · seq // 10; options recorded before it existed read everything);
- bits per character are the summed cross-entropy (nats) over every predicted character / (count · ln 2).
"""
import math

import torch


class CorpusError(ValueError):
    """A corpus that cannot be trained on; the message names the file and what is wrong."""


def read_text(path):
    """The file's characters, as charlstm reads them."""
    try:
        raw = open(path, "rb").read()
    except OSError as error:
        raise CorpusError(f"{path}: cannot read ({error.strerror})") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{path}: not valid UTF-8 (first bad byte at offset {error.start})") from None
    if not text:
        raise CorpusError(f"{path}: the file is empty")
    return text


def fingerprint(path):
    """FNV-1a (64-bit) of the file's bytes, in hexadecimal: charlstm's corpus fingerprint."""
    value = 0xCBF29CE484222325
    for byte in open(path, "rb").read():
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return format(value, "x")


def vocabulary_of(text):
    return sorted(set(text))


def encode(text, vocabulary, path):
    index = {c: i for i, c in enumerate(vocabulary)}
    unknown = sorted(set(text) - index.keys())
    if unknown:
        listed = " ".join(repr(c)[1:-1] for c in unknown[:20])
        raise CorpusError(f"{path}: characters the model's vocabulary lacks: {listed}")
    return torch.tensor([index[c] for c in text], dtype=torch.long)


def split(ids, validation_fraction):
    """(training ids, validation ids)."""
    cut = int(math.floor(len(ids) * (1 - validation_fraction)))
    return ids[:cut], ids[cut:]


class Streams:
    """A text cut into `count` contiguous streams, served `steps` characters at a time."""

    def __init__(self, ids, count, steps, path, describe):
        length = len(ids) // count
        if length < steps + 1:
            raise CorpusError(f"{path}: {describe} has {len(ids)} characters, but {count} streams × {steps + 1} "
                              f"characters need at least {count * (steps + 1)}; use a smaller --batch or --seq, or a "
                              "longer text")
        self.ids = ids[:count * length].view(count, length)
        self.count, self.steps = count, steps
        self.chunks = (length - 1) // steps

    def chunk(self, index, streams=None):
        """(inputs, targets), each streams × steps, for chunk `index` of the streams in `streams` (a slice)."""
        rows = self.ids[streams] if streams is not None else self.ids
        start = index * self.steps
        return rows[:, start:start + self.steps], rows[:, start + 1:start + self.steps + 1]


def validation_streams(ids, batch, steps, path, fraction):
    count = min(batch, len(ids) // (steps + 1))
    if count < 1:
        percent = round(fraction * 100)
        raise CorpusError(f"{path}: the validation text (last {percent}%) has {len(ids)} characters, but one stream "
                          f"of --seq {steps} needs at least {steps + 1}; raise --val-fraction, lower --seq, or use a "
                          "longer text")
    return Streams(ids, count, steps, path, "the validation text")


DEFAULT_VALIDATION_SHARE_DIVISOR = 10  # charlstm's TrainingOptions.validationShareDivisor


def validation_characters(options):
    """The most held-out characters a validation reads, as charlstm records it in `validation_characters`."""
    # Options recorded before the sample existed validated on all of the held-out text.
    return options.get("validation_characters", 2 ** 63 - 1)


def default_validation_characters(evaluate_every, batch, seq):
    """A tenth of the characters trained between validations (charlstm's defaultValidationCharacters)."""
    return max(1, evaluate_every * batch * seq // DEFAULT_VALIDATION_SHARE_DIVISOR)


def validation_chunks(streams, options):
    """How many chunks of the validation streams each validation reads."""
    return min(streams.chunks, max(1, validation_characters(options) // (streams.count * streams.steps)))

