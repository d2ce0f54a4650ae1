"""Train a charlstm model with PyTorch: on a GPU when there is one, on many GPUs and machines under `torchrun`
(DistributedDataParallel: NCCL on GPUs, gloo on CPUs), on the CPU otherwise.

    python -m charlstm_torch.train CORPUS… --out DIR [--hidden 512 --minutes 60 …]
    torchrun --nproc_per_node 8 -m charlstm_torch.train CORPUS… --out DIR --batch 64 …

CORPUS is a text file, or several files and folders with --include/--exclude patterns, as for `charlstm train`. The
flags are charlstm's where they mean the same, with charlstm's defaults; the corpus and data rules are charlstm's (see
corpus.py and data.py). Under torchrun the --batch streams are divided among the ranks (rank r trains streams
r·B/N … (r+1)·B/N − 1, and holds only their ids) and DDP averages the gradients, so N ranks train the same model as one process with batch B, up to the order of
floating-point sums. Rank 0 validates and writes DIR/latest.safetensors, DIR/best.safetensors (charlstm
checkpoints: `charlstm repl DIR/best.safetensors` talks to the result) and DIR/log.jsonl in charlstm's format.
DIR/latest.safetensors.torch holds what resuming this trainer needs: `--resume DIR/latest.safetensors`.
"""
import argparse
import gc
import json
import math
import os
import signal
import sys
import time

import torch
import torch.distributed as dist

from . import checkpoint, data, schedule
from .corpus import Corpus
from .model import CharLSTM

OPEN_ENDED = {"open_ended": True}  # the goal of a run that only a time limit ends (docs/checkpoint-format.md)
LEGACY_OPEN_ENDED_STEPS = 4611686018427387903  # how files before "open_ended" wrote it


def read_goal(text):
    """A checkpoint's training_goal: {"epochs": N}, {"steps": N} or {"open_ended": true}; the step count that
    older files wrote for an open-ended run reads as open-ended."""
    goal = json.loads(text)
    return dict(OPEN_ENDED) if goal.get("steps") == LEGACY_OPEN_ENDED_STEPS else goal


DEFAULT_EPOCHS = 10  # the goal of a run that names none and has no time limit, as charlstm's


def build_parser():
    """The command line; its defaults are charlstm train's (tests/test_defaults.py checks them against
    `charlstm train --defaults --json`)."""
    p = argparse.ArgumentParser(prog="python -m charlstm_torch.train", description=__doc__.split("\n\n")[0])
    p.add_argument("corpus", nargs="*", help="UTF-8 text to train on: a file, or files and folders (optional with "
                   "--resume; with it, where the run's file or folder is now)")
    p.add_argument("--include", action="append", default=[], metavar="GLOB",
                   help="under a folder, train only on files matching one of these patterns ('*.c')")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="under a folder, leave out files and folders matching this pattern")
    p.add_argument("--out", help="folder for checkpoints and the log (default with --resume: the checkpoint's)")
    p.add_argument("--resume", metavar="CHECKPOINT", help="continue a run of this trainer")
    p.add_argument("--init-from", metavar="CHECKPOINT", help="start from a charlstm checkpoint's weights")
    p.add_argument("--cell", choices=("lstm", "gru", "rnn"), default="lstm")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--embedding", type=int, default=64)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--embedding-dropout", type=float, default=0.0)
    p.add_argument("--dropout-mask", choices=["step", "sequence"], default="sequence")
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--seq", type=int, default=50)
    p.add_argument("--lr", type=float, default=0.002)
    p.add_argument("--schedule", choices=["step", "cosine", "linear"], default="cosine")
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--min-lr", type=float, default=0.0)
    p.add_argument("--lr-decay", type=float, default=0.5)
    p.add_argument("--lr-decay-every", type=int, default=5)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--clip", type=float, default=5.0)
    goal = p.add_mutually_exclusive_group()
    goal.add_argument("--epochs", type=int)
    goal.add_argument("--steps", type=int)
    p.add_argument("--minutes", type=float, help="stop this invocation after M minutes, saving first")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--val-chars", type=int, default=None,
                   help="held-out characters each validation reads at most (default: --eval-every × --batch × --seq "
                        "/ 10, as charlstm)")
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                   help="bf16: the forward pass and loss under torch.autocast with bfloat16 (on CUDA, or on a CPU with "
                        "AVX512_BF16/AMX through oneDNN), float32 master weights; the counterpart of charlstm's "
                        "--precision bf16")
    p.add_argument("--bf16", dest="precision", action="store_const", const="bf16", default="fp32",
                   help="the same as --precision bf16")
    p.add_argument("--threads", type=int, help="CPU threads for PyTorch (default: its own choice)")
    return p


def parse(argv):
    p = build_parser()
    args = p.parse_args(argv)
    if args.resume is None and (not args.corpus or args.out is None):
        p.error("a new run needs CORPUS and --out")
    if args.resume is not None and len(args.corpus) > 1:
        p.error("with --resume, CORPUS is one path: where the run's file or folder is now")
    for name, low in (("batch", 1), ("seq", 1), ("eval_every", 1), ("layers", 1), ("hidden", 1), ("embedding", 1)):
        if getattr(args, name) < low:
            p.error(f"--{name.replace('_', '-')} must be at least {low}")
    if not 0 < args.val_fraction < 1:
        p.error("--val-fraction must be strictly between 0 and 1")
    if args.val_chars is not None and args.val_chars < 1:
        p.error("--val-chars must be at least 1")
    for name in ("dropout", "embedding_dropout"):
        if not 0 <= getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be in [0, 1)")
    return args


class Run:
    """One training process: its share of the streams, the model (wrapped in DDP under torchrun), and the loop."""

    def __init__(self, args):
        self.began = began = time.perf_counter()
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        if torch.cuda.is_available():
            self.device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(self.device)
        else:
            self.device = torch.device("cpu")
        if self.world > 1:
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
        if args.threads:
            torch.set_num_threads(args.threads)
        resume_state = None
        if args.resume:
            model, vocabulary, metadata = checkpoint.read(args.resume)
            if "training_options" not in metadata or not os.path.exists(args.resume + ".torch"):
                raise checkpoint.CheckpointError(f"{args.resume}: no resumable state of this trainer beside it "
                                                 f"({args.resume}.torch); use --init-from to start a new run from it")
            self.options = json.loads(metadata["training_options"])
            recorded = json.loads(metadata["corpus"])
            corpus = Corpus.reload(recorded, root=args.corpus[0] if args.corpus else None)
            difference = corpus.difference(recorded)
            if difference is not None:
                raise data.CorpusError(f"{corpus.display_name}: the corpus changed since the checkpoint was written "
                                       f"({difference}); resuming needs the same text — use --init-from to train on a "
                                       "new one")
            resume_state = torch.load(args.resume + ".torch", weights_only=True)
            self.goal = self.goal_from(args) or read_goal(metadata["training_goal"])
            self.out = args.out or os.path.dirname(os.path.abspath(args.resume))
        else:
            corpus = Corpus.load(args.corpus, args.include, args.exclude)
            self.options = checkpoint.options_json(args, args.seed)
            self.goal = self.goal_from(args) or (dict(OPEN_ENDED) if args.minutes else {"epochs": DEFAULT_EPOCHS})
            self.out = args.out
            torch.manual_seed(args.seed)
            if args.init_from:
                model, vocabulary, _ = checkpoint.read(args.init_from)
            else:
                vocabulary = corpus.vocabulary
                model = CharLSTM(len(vocabulary), args.embedding, args.hidden, args.layers, args.cell)
        o = self.options
        self.B, self.T = o["batch"], o["seq"]
        if self.B % self.world:
            raise SystemExit(f"--batch {self.B} must divide evenly among {self.world} processes")
        corpus.check_covered(vocabulary)
        self.corpus, self.vocabulary = corpus, vocabulary
        self.load_data(corpus, began)
        self.model = model.to(self.device)
        self.ddp = torch.nn.parallel.DistributedDataParallel(self.model) if self.world > 1 else self.model
        matrices = [p for p in self.model.parameters() if p.dim() == 2]
        vectors = [p for p in self.model.parameters() if p.dim() != 2]
        self.optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": o["weight_decay"]},
                                            {"params": vectors, "weight_decay": 0.0}],
                                           lr=o["learning_rate"], betas=(o["beta1"], o["beta2"]), eps=o["epsilon"])
        self.progress = {"step": 0, "epoch": 0, "cursor": 0, "best_validation_bpc": None,
                         "last_validation_bpc": None, "training_seconds": 0.0}
        self.state = None
        if resume_state is not None:
            self.optimizer.load_state_dict(resume_state["optimizer"])
            self.progress = resume_state["progress"]
            if resume_state["state"] is not None:
                self.state = tuple(s[:, self.mine].to(self.device) for s in resume_state["state"])
            torch.set_rng_state(resume_state["rng"])
        self.bf16 = args.precision == "bf16"
        self.stop_requested = False
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)

    def load_data(self, corpus, began):
        """This rank's training streams and, on rank 0, the validation sample, read from the corpus."""
        o, name = self.options, corpus.display_name
        training, validation = corpus.split(o["validation_fraction"])
        self.train = data.Streams(training, self.B, self.T, name)
        self.validation = data.validation_streams(validation, self.B, self.T, name)
        self.validation_chunks = data.validation_chunks(self.validation, o)
        scanned = time.perf_counter()
        os.makedirs(self.out, exist_ok=True)
        share = self.B // self.world
        self.mine = slice(self.rank * share, (self.rank + 1) * share)
        self.train.load(range(self.mine.start, self.mine.stop), self.train.chunks, self.vocabulary, self.out)
        self.corpus_record = corpus.record()
        if self.rank == 0:
            self.validation.load(range(self.validation.count), self.validation_chunks, self.vocabulary, self.out)
            skipped = ""
            if corpus.skipped:
                reasons = {}
                for _, reason in corpus.skipped:
                    reasons[reason] = reasons.get(reason, 0) + 1
                listed = ", ".join(f"{n:,} {reason}" for reason, n in sorted(reasons.items()))
                skipped = f"; skipped {len(corpus.skipped):,} files ({listed}), first {corpus.skipped[0][0]}"
            print(f"corpus: {name}: {corpus.char_count:,} characters ({corpus.byte_count:,} bytes), "
                  f"{len(corpus.counts)} distinct; read in {scanned - began:.1f} s, ids of "
                  f"{'these streams' if self.world > 1 else 'the streams'} in {time.perf_counter() - scanned:.1f} s"
                  f"{skipped}", flush=True)
            print(f"validation: {validation.description}, {self.validation_chunks * self.validation.count * self.T:,}"
                  f" characters read at each", flush=True)

    @staticmethod
    def goal_from(args):
        if args.steps is not None:
            return {"steps": args.steps}
        if args.epochs is not None:
            return {"epochs": args.epochs}
        return None

    def request_stop(self, *_):
        self.stop_requested = True

    @property
    def total_steps(self):
        if self.goal.get("open_ended"):
            return LEGACY_OPEN_ENDED_STEPS  # a step no run reaches
        return self.goal["steps"] if "steps" in self.goal else self.goal["epochs"] * self.train.chunks

    def step(self, horizon):
        """One optimiser step on the next chunk of this rank's streams; returns the mean loss over all ranks."""
        o, p = self.options, self.progress
        if p["cursor"] == 0:
            self.state = None
        lr = schedule.rate(o, p["step"], p["epoch"], horizon)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        x, y = (t.to(self.device) for t in self.train.chunk(p["cursor"]))
        state = None if self.state is None else tuple(s.detach() for s in self.state)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            logits, self.state = self.ddp(x, state, o["embedding_dropout"], o["dropout"], o["dropout_mask"])
            loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if o["clip"] > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), o["clip"])
        self.optimizer.step()
        p["step"] += 1
        p["cursor"] += 1
        if p["cursor"] == self.train.chunks:
            p["cursor"], p["epoch"] = 0, p["epoch"] + 1
        reported = loss.detach()
        if self.world > 1:
            dist.all_reduce(reported)
            reported /= self.world
        return reported.item()

    @torch.no_grad()
    def evaluate(self, until=None):
        """Validation bits per character, charlstm's way (rank 0 runs it for everyone); None when abandoned after a
        chunk because Ctrl-C came or the clock (time.perf_counter) passed `until`."""
        self.model.eval()
        total, state, v = 0.0, None, self.validation
        shown, terminal = time.perf_counter(), sys.stdout.isatty()
        try:
            for j in range(self.validation_chunks):
                if self.stop_requested or (until is not None and time.perf_counter() > until):
                    return None
                if terminal and time.perf_counter() - shown > 0.25:
                    shown = time.perf_counter()
                    print(f"\rvalidating: {j * v.count * self.T:,} / {self.validation_chunks * v.count * self.T:,} "
                          "characters", end="", flush=True)
                x, y = (t.to(self.device) for t in v.chunk(j))
                logits, state = self.model(x, state)
                total += torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]),
                                                           y.reshape(-1), reduction="sum").item()
        finally:
            self.model.train()
            if terminal:
                print("\r\033[K", end="", flush=True)
        return total / (self.validation_chunks * v.count * self.T) / math.log(2)

    def carried_state(self):
        """Every stream's state ((h, c) or (h,)), gathered from all ranks, on the CPU; None at an epoch's start."""
        if self.state is None:
            return None
        parts = [s.detach().contiguous() for s in self.state]
        if self.world > 1:
            gathered = []
            for s in parts:
                pieces = [torch.empty_like(s) for _ in range(self.world)]
                dist.all_gather(pieces, s)
                gathered.append(torch.cat(pieces, dim=1))
            parts = gathered
        return tuple(s.cpu() for s in parts)

    def save(self, best=False):
        state = self.carried_state()   # every rank takes part in the gather
        if self.rank != 0:
            return
        record = {
            "options": self.options, "goal": self.goal,
            "progress": {**{k: v for k, v in self.progress.items() if v is not None},
                         "random": [format(self.options["seed"] * 2 + k + 1, "x") for k in range(4)]},
            "corpus": self.corpus_record,
        }
        resume = {"optimizer": self.optimizer.state_dict(), "progress": dict(self.progress), "state": state,
                  "rng": torch.get_rng_state()}
        checkpoint.write(os.path.join(self.out, "latest.safetensors"), self.model, self.vocabulary, record, resume)
        if best:
            checkpoint.write(os.path.join(self.out, "best.safetensors"), self.model, self.vocabulary, record)

    # Before a validation is timed, a validation character is taken to cost this share of a training one (the
    # forward pass alone), as in charlstm's TrainingSession.
    VALIDATION_COST_PER_TRAINING_COST = 0.6

    def run(self, minutes):
        """Trains to the goal, for `minutes` from the process's start, or until Ctrl-C; returns the exit status.

        As charlstm's TrainingSession: the time limit covers loading, validations and saves — stepping stops when
        the next step, a closing validation (as long per character as the last one) and two saves would not fit, and
        a validation still running when only the saves' time is left is abandoned. Ctrl-C is seen between steps and
        between validation chunks; an abandoned validation logs nothing, and latest is saved as of the last step."""
        p, o = self.progress, self.options
        session_start = time.perf_counter()
        limit = minutes * 60 - (session_start - self.began) if minutes else None
        first = p["step"]
        since = {"loss": 0.0, "steps": 0, "seconds": 0.0}
        # The schedule anneals to the goal, or to the deadline's estimated step if that comes first.
        goal_steps = None if self.goal.get("open_ended") else self.total_steps
        horizon = goal_steps
        clock = {"training": 0.0, "save": 0.0, "per_character": None, "saved": -1, "evaluated": -1}
        validation_characters = self.validation_chunks * self.validation.count * self.T
        log = os.path.join(self.out, "log.jsonl")

        def elapsed():
            return time.perf_counter() - session_start

        def step_seconds():
            return clock["training"] / max(1, p["step"] - first)

        def closing_seconds():
            per_character = clock["per_character"]
            if per_character is None:
                per_character = self.VALIDATION_COST_PER_TRAINING_COST * step_seconds() / (self.B * self.T)
            return validation_characters * per_character + 2 * clock["save"]

        def save(best=False):
            began = time.perf_counter()
            self.save(best)
            clock["save"] = max(clock["save"], time.perf_counter() - began)
            clock["saved"] = p["step"]

        def validate():
            """Validates, logs and saves; False when the validation was abandoned."""
            # As in charlstm's log: the learning rate the next step will use.
            lr = schedule.rate(o, p["step"], p["epoch"], horizon)
            began = time.perf_counter()
            until = None if limit is None else session_start + limit - 2 * clock["save"]
            bpc = self.evaluate(until) if self.rank == 0 else 0.0
            if self.broadcast(bpc is None):
                return False
            seconds = time.perf_counter() - began
            clock["per_character"], clock["evaluated"] = seconds / validation_characters, p["step"]
            is_best = self.rank == 0 and (p["best_validation_bpc"] is None or bpc < p["best_validation_bpc"])
            if self.rank == 0:
                p["last_validation_bpc"] = bpc
                if is_best:
                    p["best_validation_bpc"] = bpc
                entry = {"chars_per_s": since["steps"] * self.B * self.T / max(since["seconds"], 1e-9),
                         "elapsed_s": p["training_seconds"], "epoch": p["epoch"] + p["cursor"] / self.train.chunks,
                         "lr": lr, "step": p["step"], "train_loss": since["loss"] / max(since["steps"], 1),
                         "val_bpc": bpc, "validation_s": seconds}
                with open(log, "a") as f:
                    f.write(json.dumps(entry, sort_keys=True) + "\n")
                print(f"step {p['step']:,} · epoch {entry['epoch']:.2f} · train loss {entry['train_loss']:.3f} · "
                      f"val {bpc:.3f} bpc{' (best)' if is_best else ''} · lr {lr:.3g} · "
                      f"{entry['chars_per_s']:,.0f} chars/s", flush=True)
            since.update(loss=0.0, steps=0, seconds=0.0)
            save(best=self.broadcast(is_best))
            return True

        stopped = abandoned = False
        while p["step"] < self.total_steps:
            if self.broadcast(self.stop_requested):
                stopped = True
                break
            if limit is not None:
                next_step = step_seconds() if p["step"] > first else 0.0
                if self.broadcast(elapsed() + next_step + closing_seconds() >= limit):
                    break
                if p["step"] > first:
                    # The steps left at the speed so far, validations included, once the close is set aside; rank
                    # 0's estimate for everyone, since ranks whose clocks differ must still use one learning rate.
                    left = max(0.0, limit - elapsed() - closing_seconds())
                    estimate = self.agree(p["step"] + int(left * (p["step"] - first) / elapsed()))
                    horizon = estimate if goal_steps is None else min(goal_steps, estimate)
            began = time.perf_counter()
            loss = self.step(horizon)
            seconds = time.perf_counter() - began
            clock["training"] += seconds
            p["training_seconds"] += seconds
            since["loss"] += loss
            since["steps"] += 1
            since["seconds"] += seconds
            if p["step"] % o["evaluate_every"] == 0 and not validate():
                abandoned = True
                break
        # A run that trained ends with a validation, unless the user stopped it (they want out quickly).
        if not stopped and not abandoned and clock["evaluated"] != p["step"] and p["step"] > first:
            validate()
        if clock["saved"] != p["step"]:
            save()
        stopped = stopped or self.broadcast(self.stop_requested)  # Ctrl-C during the last validation too
        if self.rank == 0:
            best = p["best_validation_bpc"]
            print(f"{'Interrupted' if stopped else 'Done'}: step {p['step']:,}"
                  f"{f', best val {best:.4f} bpc' if best is not None else ''}. "
                  f"Saved {os.path.join(self.out, 'latest.safetensors')}", flush=True)
        if self.world > 1:
            # Every rank done with its collectives, and DDP's reducer gone, before the process group goes: a
            # reducer that outlives its group aborts the process as the interpreter shuts down.
            dist.barrier()
            self.ddp = None
            gc.collect()
            dist.destroy_process_group()
        return 130 if stopped else 0

    def agree(self, value):
        """Rank 0's `value` (a whole number), on every rank."""
        if self.world == 1:
            return value
        shared = torch.tensor([float(value)], dtype=torch.float64, device=self.device)
        dist.broadcast(shared, src=0)
        return int(shared.item())

    def broadcast(self, flag):
        """Rank 0's (or any rank's, for a stop request) decision, the same on every rank."""
        if self.world == 1:
            return bool(flag)
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return value.item() > 0


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        run = Run(args)
        return run.run(args.minutes)
    except (data.CorpusError, checkpoint.CheckpointError) as error:
        print(f"charlstm_torch: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    status = main()
    # Everything is on disk (checkpoints fsynced, the log closed): skip the interpreter's teardown, which takes most
    # of a second with PyTorch loaded and would be most of Ctrl-C's latency.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
