"""The PyTorch trainer starts every setting where charlstm does: its argparse defaults against
`charlstm train --defaults --json`, one flag at a time."""
import json

import pytest

from conftest import run

torch = pytest.importorskip("torch", reason="the trainer module imports PyTorch")

from charlstm_torch import train  # noqa: E402

# Flags of charlstm's that this trainer does not have, and why.
NOT_HERE = {"checkpoint-every": "this trainer saves at every validation and at the end only",
            "max-vocabulary": "this trainer trains on every character of its corpus"}


def test_every_default_is_charlstms(charlstm):
    defaults = json.loads(run([charlstm, "train", "--defaults", "--json"]).stdout)
    parser = train.build_parser()
    ours = {action.dest: action.default for action in parser._actions}
    for flag, value in defaults.items():
        if flag in NOT_HERE:
            continue
        if flag == "epochs":
            assert train.DEFAULT_EPOCHS == value
            continue
        dest = flag.replace("-", "_")
        assert dest in ours, f"--{flag} is missing from the PyTorch trainer"
        assert ours[dest] == pytest.approx(value) if isinstance(value, float) else ours[dest] == value, \
            f"--{flag}: PyTorch trainer {ours[dest]!r}, charlstm {value!r}"
