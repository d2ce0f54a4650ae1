/// How the next character is chosen from the model's distribution.
public struct SamplingSettings: Sendable, Equatable {
    /// Softmax temperature τ: p ∝ exp(logit / τ). Below 1 sharpens, above 1 flattens. Must be > 0.
    public var temperature: Float = 1
    /// Keep only the `topK` most likely characters (ties at the cut are kept too); 0 keeps all.
    public var topK = 0
    /// Nucleus sampling: keep only the most likely characters whose probabilities (after temperature and top-k)
    /// add up to at least `topP`; 1 keeps all.
    public var topP: Float = 1
    /// Always take the most likely character (greedy decoding); ignores temperature, top-k and top-p.
    public var argmax = false

    /// The temperature where a person reads along — the REPL, the playground, a report's samples — starts: a
    /// little below the model's own distribution (1), which keeps its rarer slips out of what is read. `sample` and
    /// the HTTP API keep 1: a sample of the model, and the default of the API they follow.
    public static let readingTemperature: Float = 0.8

    /// Settings; the defaults draw from the model's own distribution. ``validate()`` checks them.
    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, argmax: Bool = false) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.argmax = argmax
    }

    /// Rejects settings that make no sense, naming the setting.
    public func validate() throws {
        if !argmax && !(temperature.isFinite && temperature > 0) {
            throw CharLSTMError.invalidSetting("\(Setting.temperature) must be a positive number (got \(temperature)); use \(Setting.argmax) for greedy decoding")
        }
        if topK < 0 { throw CharLSTMError.invalidSetting("\(Setting.topK) must be 0 (off) or positive (got \(topK))") }
        if !(topP > 0 && topP <= 1) { throw CharLSTMError.invalidSetting("\(Setting.topP) must be in (0, 1] (got \(topP))") }
    }
}
