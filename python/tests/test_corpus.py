"""The corpus rules of corpus.py and data.py on small inputs: pieces, ids, storage, the fingerprint, and agreement
with charlstm on a folder (which files, in what order, which are held out, what the checkpoint records)."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import PACKAGE, SENTENCES, python_module, run

torch = pytest.importorskip("torch", reason="the trainer module imports PyTorch")
from safetensors import safe_open  # noqa: E402

from charlstm_torch import corpus as corpus_module, data, fingerprint  # noqa: E402

MIXED = "Ünïcödé text — with “quotes”, 字符 and 𝄞 among ASCII.\r\n" * 7


def naive_ids(text, vocabulary):
    return [vocabulary.index(c) for c in text]


def test_a_file_read_in_small_pieces_gives_every_character_once(tmp_path, monkeypatch):
    """Pieces of 7 bytes cut through multi-byte characters (the cut moves onto the next character), mix ASCII and
    other pieces, and every stretch reads back as the whole text's ids would."""
    monkeypatch.setattr(corpus_module, "PIECE_BYTES", 7)
    path = tmp_path / "mixed.txt"
    path.write_bytes(corpus_module.BYTE_ORDER_MARK + MIXED.encode("utf-8"))
    text = corpus_module.TextFile(str(path))
    assert text.char_count == len(MIXED) and len(text.byte_starts) > 20
    assert any(text.ascii) and not all(text.ascii)
    assert dict(zip(text.points.tolist(), text.point_counts.tolist())) == {ord(c): MIXED.count(c) for c in set(MIXED)}
    vocabulary = sorted(set(MIXED))
    table, dtype = corpus_module.id_table(vocabulary)
    assert dtype == np.uint8
    expected = naive_ids(MIXED, vocabulary)
    for start, count in [(0, len(MIXED)), (3, 40), (57, 1), (len(MIXED) - 9, 9)]:
        out = np.zeros(count, dtype=dtype)
        text.read(start, count, table, out)
        assert out.tolist() == expected[start:start + count], (start, count)
    assert text.text() == MIXED


@pytest.mark.parametrize("content, message", [(b"", "the file is empty"), (corpus_module.BYTE_ORDER_MARK, "the file is empty"),
                                              (b"good \xff bad", "not valid UTF-8 (first bad byte at offset 5)")])
def test_a_file_that_is_not_text_is_named_with_why(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(corpus_module.CorpusError, match=re.escape(message)) as error:
        corpus_module.TextFile(str(path))
    assert str(error.value).startswith(str(path))


def test_the_smallest_id_type_that_holds_the_vocabulary():
    assert corpus_module.id_table([chr(k) for k in range(256)])[1] == np.uint8
    assert corpus_module.id_table([chr(k) for k in range(257)])[1] == np.uint16
    assert corpus_module.id_table([chr(k) for k in range(0x10000 + 0x800, 0x10000 + 0x800 + 70000)])[1] == np.uint32


def test_large_ids_live_in_a_mapped_file_that_is_deleted_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "IN_MEMORY_BYTES", 0)
    path = tmp_path / "mixed.txt"
    path.write_text(MIXED, encoding="utf-8")
    loaded = corpus_module.Corpus.load([str(path)])
    training, _ = loaded.split(0.1)
    streams = data.Streams(training, 3, 10, str(path)).load(range(1, 3), 4, loaded.vocabulary, str(tmp_path))
    assert not streams.ids.flags.owndata  # a view of the mapping
    assert sorted(os.listdir(tmp_path)) == ["mixed.txt"]
    expected = naive_ids(MIXED[:training.count], loaded.vocabulary)
    x, y = streams.chunk(2)
    length = training.count // 3
    assert x.dtype == torch.int64 and x.shape == (2, 10)
    assert x[0].tolist() == expected[length + 20:length + 30] and y[1].tolist() == expected[2 * length + 21:2 * length + 31]


@pytest.mark.skipif(fingerprint._c_fnv1a is None, reason="the C fingerprint is not built here (pip install ./python)")
def test_the_c_fingerprint_is_fnv1a():
    rng = np.random.default_rng(5)
    for size in (0, 1, 1000):
        block = rng.integers(0, 256, size, dtype=np.uint8)
        assert fingerprint.fnv1a(block) == fingerprint.python_fnv1a(block)
    assert fingerprint.fnv1a(b"a") == 0xAF63DC4C8601EC8C  # FNV-1a 64 of "a", as published with the algorithm


def notes_folder(root):
    """A folder with nested files of different sizes, names that sort differently by bytes and by case, a dot-folder,
    a file that is not text, an empty one and a file with a byte-order mark and other scripts."""
    files = {"a.txt": SENTENCES * 3, "a-b.txt": SENTENCES[:90], "B.txt": SENTENCES[40:] * 2,
             "sub/z.txt": SENTENCES[::-1] * 2, "sub/deeper/c.txt": SENTENCES[:150], "sub/notes.md": SENTENCES * 2,
             "é.txt": MIXED}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "é.txt").write_bytes(corpus_module.BYTE_ORDER_MARK + MIXED.encode("utf-8"))
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref\n")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\x00")
    (root / "empty.txt").write_text("")
    return root


def test_the_same_files_in_the_same_order_held_out_the_same_way_as_charlstm(charlstm, tmp_path):
    root = notes_folder(tmp_path / "notes")
    common = ["--exclude", "*.md", "--batch", "2", "--seq", "20", "--eval-every", "1", "--threads", "1"]
    start, swift, torch_run = tmp_path / "start", tmp_path / "charlstm", tmp_path / "torch"
    run([charlstm, "train", str(root), "--out", str(start), "--steps", "1", "--hidden", "16", "--embedding", "8",
         *common])
    said = run([charlstm, "train", str(root), "--out", str(swift), "--init-from", str(start / "latest.safetensors"),
                "--steps", "4", *common]).stdout
    ours = python_module(root, "--out", torch_run, "--init-from", start / "latest.safetensors", "--steps", "4",
                         *common[:-2]).stdout
    assert "whole files" in said and "skipped 2 files (1 empty, 1 not UTF-8 text)" in ours
    assert "whole files" in [line for line in ours.splitlines() if line.startswith("validation:")][0]

    def recorded(folder):
        with safe_open(str(folder / "latest.safetensors"), "pt") as f:
            metadata = f.metadata()
        return json.loads(metadata["corpus"]), json.loads(metadata["vocab"])

    (swift_corpus, swift_vocabulary), (torch_corpus, torch_vocabulary) = recorded(swift), recorded(torch_run)
    assert torch_vocabulary == swift_vocabulary
    assert [f["name"] for f in torch_corpus["files"]] == ["B.txt", "a-b.txt", "a.txt", "sub/deeper/c.txt", "sub/z.txt",
                                                          "é.txt"]
    assert torch_corpus == swift_corpus
    a = [json.loads(line) for line in (swift / "log.jsonl").read_text().splitlines()]
    b = [json.loads(line) for line in (torch_run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in a] == [r["step"] for r in b] == [1, 2, 3, 4]
    for x, y in zip(a, b):
        assert abs(x["train_loss"] - y["train_loss"]) < 1e-3 and abs(x["val_bpc"] - y["val_bpc"]) < 1e-3


def test_a_folder_run_resumes_exactly_from_where_the_folder_moved_and_not_once_a_file_changed(tmp_path):
    root = notes_folder(tmp_path / "notes")
    common = ["--batch", "2", "--seq", "20", "--eval-every", "2", "--hidden", "16", "--embedding", "8",
              "--schedule", "step"]  # a schedule that does not depend on the goal, which the two runs set differently
    straight, split = tmp_path / "straight", tmp_path / "split"
    python_module(root, "--out", straight, "--steps", "6", *common)
    python_module(root, "--out", split, "--steps", "3", *common)
    moved = tmp_path / "moved"
    root.rename(moved)
    python_module("--resume", split / "latest.safetensors", moved, "--steps", "6")
    with safe_open(str(straight / "latest.safetensors"), "pt") as a, \
            safe_open(str(split / "latest.safetensors"), "pt") as b:
        for name in a.keys():
            assert torch.equal(a.get_tensor(name), b.get_tensor(name)), f"{name} differs after resuming"
    (moved / "sub" / "z.txt").write_text(SENTENCES, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "charlstm_torch.train", "--resume", str(split / "latest.safetensors"),
                             str(moved), "--steps", "9"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(PACKAGE)})
    assert result.returncode == 1
    assert "the corpus changed since the checkpoint was written" in result.stderr
    assert f"{moved}/sub/z.txt differs from the recorded sub/z.txt" in result.stderr


def test_ctrl_c_and_the_deadline_abandon_a_validation_and_the_run_saves_its_last_step(corpus, tmp_path, monkeypatch):
    from charlstm_torch import train
    import signal
    import time
    monkeypatch.chdir(tmp_path)
    run = train.Run(train.parse([str(corpus), "--out", "run", "--batch", "4", "--seq", "50", "--hidden", "16",
                                 "--steps", "5", "--threads", "1"]))
    try:
        assert run.evaluate() is not None
        assert run.evaluate(until=time.perf_counter() - 1) is None
        signal.raise_signal(signal.SIGINT)  # the trainer's handler takes it
        assert run.stop_requested and run.evaluate() is None
        assert run.run(None) == 130
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert (tmp_path / "run" / "latest.safetensors").exists() and not (tmp_path / "run" / "log.jsonl").exists()
