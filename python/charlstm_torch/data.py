"""charlstm's data rules (README, "Training your own"; which files and how they split: corpus.py), followed to the
character:

- the vocabulary is the sorted set of the corpus's Unicode scalars, a character's id its position in that list;
- a text is served as `streams` contiguous pieces of floor(n / streams) characters; chunk j holds, for stream b
  and step t < T, input piece_b[j·T + t] and target piece_b[j·T + t + 1]; there are (length − 1) // T chunks;
- training uses `batch` streams and resets the carried state at each epoch; validation uses
  min(batch, n // (T + 1)) streams from zero state, carried across its chunks, and reads the first
  min(chunks, max(1, validation_characters // (streams · T))) chunks of them: at most `validation_characters`
  (default evaluate_every · batch · seq // 10; options recorded before it existed read everything);
- bits per character are the summed cross-entropy (nats) over every predicted character / (count · ln 2).

A process holds the ids of the streams it reads and no more — under torchrun, a rank its own share of the training
streams, and rank 0 the validation sample too — in the smallest unsigned type that holds the vocabulary. Ids of more
than `IN_MEMORY_BYTES` go to a file in the output folder that is mapped and deleted at once: its pages are the
kernel's to write out and drop (they are not the process's anonymous memory), and nothing is left behind.
"""
import mmap
import os
import tempfile

import numpy as np
import torch

from .corpus import CorpusError, id_table

IN_MEMORY_BYTES = 1 << 24


def _storage(shape, dtype, folder):
    """A zeroed array of `shape`, in memory when small, else in a deleted file in `folder`, mapped."""
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if size < IN_MEMORY_BYTES:
        return np.zeros(shape, dtype=dtype)
    descriptor, name = tempfile.mkstemp(prefix=".ids-", dir=folder)
    try:
        os.unlink(name)
        os.ftruncate(descriptor, size)
        mapping = mmap.mmap(descriptor, size)
    except OSError as error:
        raise CorpusError(f"{folder}: cannot make room for {size:,} bytes of ids ({error.strerror})") from None
    finally:
        os.close(descriptor)
    return np.frombuffer(mapping, dtype=dtype).reshape(shape)


class Streams:
    """A text (a corpus.CorpusText) cut into `count` contiguous streams, served `steps` characters at a time; `load`
    reads the ids of some of them."""

    def __init__(self, text, count, steps, path):
        self.length = text.count // count
        if self.length < steps + 1:
            raise CorpusError(f"{path}: {text.description} has {text.count} characters, but {count} streams × "
                              f"{steps + 1} characters need at least {count * (steps + 1)}; use a smaller --batch or "
                              "--seq, or a longer text")
        self.text, self.count, self.steps = text, count, steps
        self.chunks = (self.length - 1) // steps
        self.ids = None

    def load(self, rows, chunks, vocabulary, folder):
        """Reads streams `rows` (a range) as far as their first `chunks` chunks reach; returns self."""
        width = chunks * self.steps + 1
        table, dtype = id_table(vocabulary)
        self.ids = _storage((len(rows), width), dtype, folder)
        for k, stream in enumerate(rows):
            self.text.read(stream * self.length, width, table, self.ids[k])
        return self

    def chunk(self, index):
        """(inputs, targets), each rows × steps, int64, for chunk `index` of the loaded streams."""
        start = index * self.steps
        block = torch.from_numpy(self.ids[:, start:start + self.steps + 1].astype(np.int64))
        return block[:, :-1], block[:, 1:]


def validation_streams(text, batch, steps, path):
    count = min(batch, text.count // (steps + 1))
    if count < 1:
        raise CorpusError(f"{path}: {text.description} has {text.count} characters, but one stream of --seq {steps} "
                          f"needs at least {steps + 1}; raise --val-fraction, lower --seq, or use a longer text")
    return Streams(text, count, steps, path)


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
