"""charlstm's data rules, model and checkpoint format on PyTorch, for training where charlstm's CPU engine is not
enough: one GPU, or many GPUs and machines under `torchrun` with DistributedDataParallel. Checkpoints come back to
`charlstm repl`, `sample`, `eval`, `info` and `train --init-from` as they are.

    python -m charlstm_torch.train CORPUS --out DIR [charlstm's training flags]
"""
