"""charlstm's learning-rate schedules (its `LearningRateSchedule`): linear warm-up over W steps, then

    step:    lr · decay^⌊epoch / every⌋
    cosine:  lr_min + (lr − lr_min) · ½(1 + cos πp)
    linear:  lr_min + (lr − lr_min) · (1 − p)

with p = (step − W) / (horizon − W), capped at 1, and p = 0 while no horizon is known."""
import math


def rate(options, step, epoch, horizon):
    lr = options["learning_rate"]
    warmup = options["warmup_steps"]
    factor = (step + 1) / warmup if step < warmup else 1.0
    if options["schedule"] == "step":
        every = options["learning_rate_decay_every"]
        if every > 0:
            lr *= options["learning_rate_decay"] ** (epoch // every)
        return lr * factor
    if step < warmup:
        return lr * factor
    done = 0.0
    if horizon is not None:
        span = horizon - warmup
        done = min(1.0, (step - warmup) / span) if span > 0 else 1.0
    remaining = 0.5 * (1 + math.cos(math.pi * done)) if options["schedule"] == "cosine" else 1 - done
    return options["min_learning_rate"] + (lr - options["min_learning_rate"]) * remaining
