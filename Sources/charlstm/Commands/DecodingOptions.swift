import ArgumentParser
import CharLSTM

/// How the next character is picked beyond the temperature — `--top-k`, `--top-p`, `--beam`, `--seed` — shared by
/// `sample` and `repl`.
struct DecodingOptions: ParsableArguments {
    @Option(name: .customLong("top-k"), help: "Sample only among the K most likely characters; 0 = all.")
    var topK = 0

    @Option(name: .customLong("top-p"), help: "Sample only among the most likely characters that make up P of the probability (nucleus sampling); 1 = all.")
    var topP: Float = 1

    @Option(help: "Beam search with N beams instead of sampling: the likeliest continuation, the same every time (safer, blander text); 0 = off.")
    var beam = 0

    @Option(help: "Random seed; the same seed gives the same text (default: a fresh random seed).")
    var seed: UInt64?

    func validate() throws {
        if !(0...64).contains(beam) { throw ValidationError("--beam must be 0 (off) to 64 (got \(beam))") }
    }

    /// The sampling settings at `temperature` (greedy with `argmax`); checked, naming the flag at fault.
    func settings(temperature: Float, argmax: Bool = false) throws -> SamplingSettings {
        let settings = SamplingSettings(temperature: temperature, topK: topK, topP: topP, argmax: argmax)
        try settings.validate()
        return settings
    }

    /// The seed given, or a fresh one.
    func chosenSeed() -> UInt64 { seed ?? UInt64.random(in: 0...UInt64.max) }
}
