"""charlstm and the PyTorch trainer train the same model the same way, and each reads the other's files."""
import json
import math

import pytest
import torch
from safetensors.torch import load_file

from conftest import python_module, run

SMALL = ["--batch", "4", "--seq", "50"]
RECIPE = SMALL + ["--schedule", "cosine", "--warmup", "3", "--min-lr", "0.0001", "--weight-decay", "0.01",
                  "--eval-every", "1"]


def log(folder):
    return [json.loads(line) for line in (folder / "log.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def start(charlstm, corpus, tmp_path_factory):
    """A charlstm checkpoint both trainers start from."""
    folder = tmp_path_factory.mktemp("start")
    run([charlstm, "train", str(corpus), "--out", str(folder), "--steps", "3", "--hidden", "32", "--embedding", "16",
         "--threads", "1"] + SMALL)
    return folder / "latest.safetensors"


def test_twenty_steps_give_the_same_losses(charlstm, corpus, start, tmp_path):
    swift, torch_run = tmp_path / "charlstm", tmp_path / "torch"
    run([charlstm, "train", str(corpus), "--out", str(swift), "--init-from", str(start), "--steps", "20",
         "--threads", "1"] + RECIPE)
    python_module(corpus, "--out", torch_run, "--init-from", start, "--steps", "20", *RECIPE)
    a, b = log(swift), log(torch_run)
    assert [r["step"] for r in a] == [r["step"] for r in b] == list(range(1, 21))
    for x, y in zip(a, b):
        assert abs(x["train_loss"] - y["train_loss"]) < 1e-3, f"step {x['step']}: {x['train_loss']} vs {y['train_loss']}"
        assert abs(x["lr"] - y["lr"]) < 1e-7
        assert abs(x["val_bpc"] - y["val_bpc"]) < 1e-3


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_every_cell_trains_the_same_in_both_trainers(charlstm, corpus, cell, tmp_path):
    """A GRU or RNN checkpoint from charlstm loads into stock nn.GRU/nn.RNN (strict), evaluates to charlstm's
    figure, and 20 further steps give the same losses in both trainers."""
    start, swift, torch_run = tmp_path / "start", tmp_path / "charlstm", tmp_path / "torch"
    run([charlstm, "train", str(corpus), "--out", str(start), "--cell", cell, "--steps", "3", "--hidden", "32",
         "--embedding", "16", "--threads", "1"] + SMALL)
    text = corpus.read_text(encoding="utf-8")
    vocabulary = sorted(set(text))
    weights = {k: v for k, v in load_file(start / "latest.safetensors").items() if not k.startswith("train.")}
    modules = torch.nn.ModuleDict({"embed": torch.nn.Embedding(len(vocabulary), 16),
                                   cell: {"gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](16, 32, 2, batch_first=True),
                                   "head": torch.nn.Linear(32, len(vocabulary))})
    modules.load_state_dict(weights, strict=True)
    ids = torch.tensor([vocabulary.index(c) for c in text[909:]])
    with torch.no_grad():
        out, _ = modules[cell](modules["embed"](ids[:-1].unsqueeze(0)))
        nats = torch.nn.functional.cross_entropy(modules["head"](out).squeeze(0), ids[1:]).item()
    validation = tmp_path / "validation.txt"
    validation.write_text(text[909:], encoding="utf-8")
    evaluated = json.loads(run([charlstm, "eval", str(start / "latest.safetensors"), str(validation), "--json"]).stdout)
    assert abs(evaluated["bits_per_character"] - nats / math.log(2)) < 1e-4

    run([charlstm, "train", str(corpus), "--out", str(swift), "--init-from", str(start / "latest.safetensors"),
         "--steps", "20", "--threads", "1"] + RECIPE)
    python_module(corpus, "--out", torch_run, "--init-from", start / "latest.safetensors", "--steps", "20", *RECIPE)
    a, b = log(swift), log(torch_run)
    assert [r["step"] for r in a] == [r["step"] for r in b] == list(range(1, 21))
    for x, y in zip(a, b):
        assert abs(x["train_loss"] - y["train_loss"]) < 1e-3, f"step {x['step']}: {x['train_loss']} vs {y['train_loss']}"
        assert abs(x["val_bpc"] - y["val_bpc"]) < 1e-3


def test_two_processes_train_the_same_model_as_one(corpus, start, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    arguments = [corpus, "--init-from", start, "--steps", "10"] + SMALL
    python_module(*arguments, "--out", one)
    python_module(*arguments, "--out", two, ranks=2)
    a, b = load_file(one / "latest.safetensors"), load_file(two / "latest.safetensors")
    assert a.keys() == b.keys()
    for name in a:
        assert torch.allclose(a[name], b[name], atol=1e-4), f"{name} differs by {(a[name] - b[name]).abs().max()}"


def test_charlstm_evaluates_and_continues_a_pytorch_checkpoint(charlstm, corpus, tmp_path):
    folder = tmp_path / "trained"
    # The whole held-out text, which is what `charlstm eval` of it reads.
    python_module(corpus, "--out", folder, "--steps", "12", "--hidden", "24", "--eval-every", "4", "--val-chars",
                  "1000000", *SMALL)
    reported = log(folder)[-1]["val_bpc"]
    validation = tmp_path / "validation.txt"
    validation.write_text(corpus.read_text(encoding="utf-8")[909:], encoding="utf-8")
    evaluated = json.loads(run([charlstm, "eval", str(folder / "latest.safetensors"), str(validation), "--json"]).stdout)
    assert abs(evaluated["bits_per_character"] - reported) < 1e-3
    info = run([charlstm, "info", str(folder / "best.safetensors")]).stdout
    assert "2 LSTM layers × 24 hidden" in info and "step 12" in info
    reply = run([charlstm, "repl", str(folder / "best.safetensors"), "--seed", "1", "--length", "40", "--threads", "1"],
                input="The keeper\n")
    assert len(reply.stdout.rstrip("\n")) >= 30
    page = run([charlstm, "report", str(folder), "--html", str(tmp_path / "report.html"), "--samples", "1"]).stdout
    assert "3 validations, 1 samples" in page


def test_charlstm_fine_tunes_a_pytorch_checkpoint(charlstm, corpus, tmp_path):
    folder = tmp_path / "trained"
    python_module(corpus, "--out", folder, "--steps", "4", "--hidden", "16", *SMALL)
    tuned = tmp_path / "tuned"
    run([charlstm, "train", str(corpus), "--out", str(tuned), "--init-from", str(folder / "latest.safetensors"),
         "--steps", "4", "--threads", "1"] + SMALL)
    assert (tuned / "best.safetensors").exists()


@pytest.mark.parametrize("regularisation", [[], ["--dropout", "0.1", "--embedding-dropout", "0.2"]])
def test_the_trainer_resumes_its_own_run(charlstm, corpus, regularisation, tmp_path):
    """Bit-exact, with dropout masks too (their generator is in the resume state); charlstm reads the recipe back."""
    straight, split = tmp_path / "straight", tmp_path / "split"
    common = ["--hidden", "16", "--eval-every", "3", "--schedule", "step", "--lr-decay-every", "1"] + SMALL
    python_module(corpus, "--out", straight, "--steps", "12", *common, *regularisation)
    python_module(corpus, "--out", split, "--steps", "6", *common, *regularisation)
    python_module("--resume", split / "latest.safetensors", "--steps", "12")
    a, b = load_file(straight / "latest.safetensors"), load_file(split / "latest.safetensors")
    for name in a:
        assert torch.equal(a[name], b[name]), f"{name} differs after resuming"
    if regularisation:
        assert "dropout 0.1 per sequence (embedding 0.2)" in run([charlstm, "info", str(split / "latest.safetensors")]).stdout
