"""charlstm's checkpoint format, as docs/checkpoint-format.md specifies it: one safetensors file whose tensors are the model's state
dict and whose `__metadata__` holds JSON strings — `format` "charlstm", `format_version` "1", `vocab` (one-character
strings, ascending), `model`, and for a trained model `training_options`, `training_goal`, `training_progress` and
`corpus`. Files are written atomically: a temporary file in the same folder, fsync, rename.

What only a PyTorch run needs to resume (optimiser moments, carried state, generators) goes beside it in
`<name>.torch` (a `torch.save` of plain tensors and numbers); charlstm ignores that file.
"""
import json
import os
import tempfile

import torch
from safetensors import safe_open
from safetensors.torch import save

from . import data
from .model import CharLSTM

FORMAT_VERSION = "1"


class CheckpointError(ValueError):
    """A file that is not a usable charlstm checkpoint; the message names it and says why."""


def options_json(args, seed):
    """charlstm's `TrainingOptions`, from this trainer's arguments."""
    return {
        "batch": args.batch, "seq": args.seq, "learning_rate": args.lr, "schedule": args.schedule,
        "warmup_steps": args.warmup, "min_learning_rate": args.min_lr, "learning_rate_decay": args.lr_decay,
        "learning_rate_decay_every": args.lr_decay_every, "weight_decay": args.weight_decay,
        "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "clip": args.clip, "dropout": args.dropout,
        "embedding_dropout": args.embedding_dropout, "dropout_mask": args.dropout_mask,
        "validation_fraction": args.val_fraction, "evaluate_every": args.eval_every,
        "checkpoint_every": 0, "seed": seed, "precision": getattr(args, "precision", "fp32"),
        "validation_characters": (args.val_chars if getattr(args, "val_chars", None) is not None else
                                  data.default_validation_characters(args.eval_every, args.batch, args.seq)),
    }


def _atomic_write(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write(path, model, vocabulary, training=None, resume=None):
    """Writes `model` as a charlstm checkpoint; `training` holds the JSON-able `options`, `goal`, `progress` and
    `corpus` records; `resume`, if given, is written to `path + ".torch"` first."""
    if resume is not None:
        folder = os.path.dirname(os.path.abspath(path))
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".resume.", suffix=".tmp", delete=False) as f:
            torch.save(resume, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(f.name, path + ".torch")
    metadata = {"format": "charlstm", "format_version": FORMAT_VERSION,
                "vocab": json.dumps(vocabulary, ensure_ascii=False), "model": json.dumps(model.config)}
    if training is not None:
        metadata.update({"training_options": json.dumps(training["options"]),
                         "training_goal": json.dumps(training["goal"]),
                         "training_progress": json.dumps(training["progress"]),
                         "corpus": json.dumps(training["corpus"])})
    tensors = {name: tensor.detach().float().cpu().contiguous() for name, tensor in model.state_dict().items()}
    _atomic_write(path, save(tensors, metadata=metadata))


def read(path):
    """(model, vocabulary, metadata) of a charlstm checkpoint (F32 or F16 weights; `train.` tensors ignored)."""
    try:
        with safe_open(path, "pt") as f:
            metadata = f.metadata() or {}
            if metadata.get("format") != "charlstm":
                raise CheckpointError(f"{path}: not a charlstm checkpoint (no \"format\": \"charlstm\" metadata)")
            if metadata.get("format_version") != FORMAT_VERSION:
                raise CheckpointError(f"{path}: format version {metadata.get('format_version')} is not {FORMAT_VERSION}")
            vocabulary = json.loads(metadata["vocab"])
            config = json.loads(metadata["model"])
            model = CharLSTM(config["vocabulary_size"], config["embedding"], config["hidden"], config["layers"],
                             config.get("cell", "lstm"))
            state = {name: f.get_tensor(name).float() for name in f.keys() if not name.startswith("train.")}
    except (OSError, KeyError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not a usable charlstm checkpoint ({error})") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise CheckpointError(f"{path}: its tensors do not fit its model settings ({error})") from None
    return model, vocabulary, metadata
