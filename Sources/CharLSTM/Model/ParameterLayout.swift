/// Where every tensor of a model lives inside one flat `Float` buffer.
///
/// Parameters, gradients and both Adam moments share this layout, so clipping and the optimiser are single loops
/// over flat buffers, and a checkpoint writes each tensor as one contiguous slice. Names and shapes are PyTorch's
/// for `embed = nn.Embedding(V, E)`, `lstm = nn.LSTM(E, H, L, batch_first=True)` (or `gru = nn.GRU(…)`,
/// `rnn = nn.RNN(…)`), `head = nn.Linear(H, V)`, with the gate rows in PyTorch's order (i, f, g, o; r, z, n).
public struct ParameterLayout: Sendable {
    /// One named tensor.
    public struct Entry: Sendable, Equatable {
        /// The tensor's name in checkpoints, as PyTorch's modules name it.
        public let name: String
        /// Its dimensions, outermost first.
        public let shape: [Int]
        /// Offset of the first element in the flat buffer.
        public let offset: Int
        /// Number of elements.
        public var count: Int { shape.reduce(1, *) }
    }

    /// Offsets of one recurrent layer's tensors.
    public struct LayerOffsets: Sendable {
        /// Offsets of the layer's input and recurrent weights and biases.
        public let weightIH: Int, weightHH: Int, biasIH: Int, biasHH: Int
    }

    /// The shape laid out.
    public let config: ModelConfig
    /// All tensors, in buffer order.
    public let entries: [Entry]
    /// Size of a buffer that holds every tensor (each starts on a 64-byte boundary).
    public let bufferCount: Int
    /// Offset of the embedding table.
    public let embedding: Int
    /// Offsets of each recurrent layer's tensors, first layer first.
    public let layers: [LayerOffsets]
    /// Offset of the output head's weight matrix.
    public let headWeight: Int
    /// Offset of the output head's bias.
    public let headBias: Int

    /// The layout of `config`'s tensors, in checkpoint order.
    public init(config: ModelConfig) {
        self.config = config
        var entries: [Entry] = []
        var next = 0
        func add(_ name: String, _ shape: [Int]) -> Int {
            let entry = Entry(name: name, shape: shape, offset: next)
            entries.append(entry)
            next += (entry.count + 15) / 16 * 16
            return entry.offset
        }
        let (v, e, h) = (config.vocabularySize, config.embedding, config.hidden)
        let (module, rows) = (config.cell.moduleName, config.cell.gateCount * h)
        embedding = add("embed.weight", [v, e])
        layers = (0..<config.layers).map { k in
            LayerOffsets(weightIH: add("\(module).weight_ih_l\(k)", [rows, config.inputSize(ofLayer: k)]),
                         weightHH: add("\(module).weight_hh_l\(k)", [rows, h]),
                         biasIH: add("\(module).bias_ih_l\(k)", [rows]),
                         biasHH: add("\(module).bias_hh_l\(k)", [rows]))
        }
        headWeight = add("head.weight", [v, h])
        headBias = add("head.bias", [v])
        self.entries = entries
        bufferCount = next
    }

    /// Number of trainable parameters (without alignment padding).
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.count } }
}
