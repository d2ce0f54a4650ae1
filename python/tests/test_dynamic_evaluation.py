"""`charlstm eval --dynamic` and the plain PyTorch reference (charlstm_torch.dynamic) give the same dynamic bits
per character, for both update rules, on a small trained model and a text unlike its corpus."""
import json
import os
import sys

import pytest

from conftest import PACKAGE, run

OTHER_TEXT = (
    "Quarterly ledger, cellar stock: forty casks of cider, nine of perry, two of vinegar gone sour. "
    "The cooper mends three staves on Tuesday; the carter brings the empty casks back on Friday. "
) * 4


@pytest.fixture(scope="module")
def trained(charlstm, corpus, tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    run([charlstm, "train", str(corpus), "--out", str(folder), "--steps", "40", "--hidden", "32", "--embedding", "16",
         "--batch", "4", "--seq", "50", "--threads", "1"])
    return folder / "latest.safetensors"


@pytest.mark.parametrize("rule, lr", [("rms", "0.002"), ("sgd", "0.5")])
def test_both_give_the_same_dynamic_figure(charlstm, corpus, trained, rule, lr, tmp_path):
    text = tmp_path / "ledger.txt"
    text.write_text(OTHER_TEXT, encoding="utf-8")
    values = {"segment": "20", "lr": lr, "decay": "0.01"}
    statistics = ["--statistics", str(corpus), "--statistics-characters", "909"]
    swift = run([charlstm, "eval", str(trained), str(text), "--dynamic", "--json", "--threads", "1",
                 "--dynamic-rule", rule, *[f"--dynamic-{k}={v}" for k, v in values.items()], *statistics])
    ours = json.loads(swift.stdout)
    environment = {**os.environ, "PYTHONPATH": str(PACKAGE), "OMP_NUM_THREADS": "1"}
    reference = run([sys.executable, "-m", "charlstm_torch.dynamic", str(trained), str(text), "--json", "--rule", rule]
                    + [f"--{k}={v}" for k, v in values.items()] + (statistics if rule == "rms" else []),
                    env=environment)
    theirs = json.loads(reference.stdout)
    assert ours["dynamic"]["characters"] == theirs["characters"] == ours["characters"]
    assert abs(ours["dynamic"]["bits_per_character"] - theirs["bits_per_character"]) < 1e-3, (ours, theirs)
    # The setting learns something on this text, so the comparison is of two runs that moved their weights.
    assert ours["dynamic"]["bits_per_character"] < ours["bits_per_character"] - 0.05, ours
