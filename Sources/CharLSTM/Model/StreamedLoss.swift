extension CharLSTMModel {
    /// The summed cross-entropy, in nats, of the first `chunks` chunks of `batcher`'s streams, read from zero state
    /// with `h`/`c` carried from chunk to chunk — how validation reads its text. After each chunk `progress`
    /// hears how many characters have been read, and may stop the read there; the result says how many chunks
    /// were read. `workspace` must hold `batcher.streams × batcher.steps`.
    func summedLoss(of batcher: StreamBatcher, chunks: Int, workspace: ChunkWorkspace,
                    progress: ReadingProgress?) -> (nats: Double, chunks: Int) {
        let (b, t) = (batcher.streams, batcher.steps)
        workspace.resetState()
        var total = 0.0
        for chunk in 0..<chunks {
            batcher.fill(chunk: chunk, inputs: workspace.inputs, targets: workspace.targets)
            forward(workspace, batch: b, steps: t)
            total += loss(workspace, batch: b, steps: t)
            workspace.carryState(batch: b, steps: t)
            if let progress, !progress((chunk + 1) * b * t) { return (total, chunk + 1) }
        }
        return (total, chunks)
    }
}
