/// A character-level language model: a vocabulary, a shape, and one flat buffer of parameters laid out by
/// ``ParameterLayout``.
///
/// The model holds only weights. Running it needs a ``ChunkWorkspace``, which holds activations and the carried
/// state (`h`, and the LSTM's `c`); several workspaces (training, validation, sampling) can share one model.
public final class CharLSTMModel {
    /// The shape: cell, layers, widths, vocabulary size.
    public let config: ModelConfig
    /// The characters the model knows, in id order.
    public let vocabulary: Vocabulary
    /// Where each tensor lies in the one flat parameter buffer.
    public let layout: ParameterLayout
    /// Every parameter, at the offsets of ``layout``.
    public let parameters: FloatBuffer

    /// A freshly initialised model, with PyTorch's default initialisation: the embedding from N(0, 1), and every
    /// recurrent and head weight and bias from U(−1/√H, 1/√H).
    public init(vocabulary: Vocabulary, embedding: Int, hidden: Int, layers: Int,
                cell: RecurrentCell = ModelConfig.defaults.cell, random: inout RandomSource) throws {
        let config = ModelConfig(vocabularySize: vocabulary.count, embedding: embedding, hidden: hidden, layers: layers,
                                 cell: cell)
        try config.validate()
        self.config = config
        self.vocabulary = vocabulary
        layout = ParameterLayout(config: config)
        parameters = FloatBuffer(count: layout.bufferCount)
        let bound = 1 / Float(hidden).squareRoot()
        for entry in layout.entries {
            let values = parameters.pointer + entry.offset
            for j in 0..<entry.count {
                values[j] = entry.name == "embed.weight" ? random.nextGaussian() : random.nextFloat(in: -bound, bound)
            }
        }
    }

    /// A model with given parameters (for example from a checkpoint); `parameters` must follow `ParameterLayout(config)`.
    public init(vocabulary: Vocabulary, config: ModelConfig, parameters: FloatBuffer) throws {
        try config.validate()
        guard config.vocabularySize == vocabulary.count else {
            throw CharLSTMError.invalidSetting("vocabulary has \(vocabulary.count) characters but the model expects \(config.vocabularySize)")
        }
        let layout = ParameterLayout(config: config)
        guard parameters.count == layout.bufferCount else {
            throw CharLSTMError.invalidSetting("parameter buffer holds \(parameters.count) values, layout needs \(layout.bufferCount)")
        }
        self.config = config
        self.vocabulary = vocabulary
        self.layout = layout
        self.parameters = parameters
    }

    /// A copy with weights of its own, to change without touching these.
    public func copy() -> CharLSTMModel {
        let copy = FloatBuffer(count: parameters.count)
        copy.pointer.update(from: parameters.pointer, count: copy.count)
        // The same vocabulary, shape and layout as a model that already exists: nothing to refuse.
        return try! CharLSTMModel(vocabulary: vocabulary, config: config, parameters: copy)
    }

    /// A copy with every parameter rounded to the nearest half (what an `export --half` file holds), so that a
    /// ``Sampler`` of it uses F16 weights; for measuring that path on any model.
    public func roundedToHalf() throws -> CharLSTMModel {
        let copy = FloatBuffer(count: parameters.count)
        for j in 0..<copy.count { copy.pointer[j] = HalfPrecision.float(HalfPrecision.bits(parameters.pointer[j])) }
        return try CharLSTMModel(vocabulary: vocabulary, config: config, parameters: copy)
    }

    /// A copy with every matrix's rows put on an int8 grid (``Int8Grid``) and every other parameter rounded to the
    /// nearest half: what an `export --int8` file holds, so that a ``Sampler`` of it multiplies in int8.
    public func roundedToInt8() throws -> CharLSTMModel {
        let copy = try roundedToHalf()
        for entry in layout.entries where Int8Weights.isOnGrid(entry) {
            let width = entry.shape[1]
            for r in 0..<entry.shape[0] {
                let row = copy.parameters.pointer + entry.offset + r * width
                // The grid of the row as it was, not as rounding to halves left it.
                row.update(from: parameters.pointer + entry.offset + r * width, count: width)
                Int8Grid.round(row, count: width)
            }
        }
        return copy
    }

    /// Number of trainable parameters.
    public var parameterCount: Int { layout.parameterCount }

    /// Pointers to layer `k`'s tensors inside `buffer` (the parameters, or a gradient buffer of the same layout).
    func layerTensors(_ k: Int, in buffer: FloatBuffer) -> LayerWeights {
        LayerWeights(buffer, layout.layers[k], cell: config.cell, inputSize: config.inputSize(ofLayer: k),
                     hidden: config.hidden)
    }
}
