"""Shared fixtures: the charlstm binary the Swift build made, and a small corpus laid out so that its validation
text is a single stream whose chunks cover every character after the first (1,010 characters: 909 train, 101
validate = seq 50 + 1), which makes the trainer's validation figure and `charlstm eval` of that text the same sum."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "python"

SENTENCES = (
    "The harbour wall keeps the winter sea out of the town. "
    "Gulls argue over the nets while the ferry waits for the tide. "
    "At dusk the keeper climbs the stair and lights the lamp. "
    "Nobody remembers a night when it stayed dark. "
)


@pytest.fixture(scope="session")
def charlstm():
    binary = pathlib.Path(os.environ.get("CHARLSTM", ROOT / ".build" / "release" / "charlstm"))
    if not binary.exists():
        pytest.skip(f"{binary} not built: run `swift build -c release` first (or set CHARLSTM)")
    return str(binary)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    text = (SENTENCES * 6)[:1010]
    path = tmp_path_factory.mktemp("corpus") / "harbour.txt"
    path.write_text(text, encoding="utf-8")
    return path


def run(command, **kwargs):
    """Runs a command, failing the test with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def python_module(*arguments, ranks=1):
    """`python -m charlstm_torch.train …`, or under torchrun with `ranks` processes."""
    environment = {**os.environ, "PYTHONPATH": str(PACKAGE), "OMP_NUM_THREADS": "1"}
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={ranks}", "-m"] \
        if ranks > 1 else [sys.executable, "-m"]
    return run(launcher + ["charlstm_torch.train", *map(str, arguments), "--threads", "1"], env=environment)
