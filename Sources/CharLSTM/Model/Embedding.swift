/// The character embedding: row `id` of a `V×E` table is the input vector of character `id`.
enum Embedding {
    /// out[r] = table[ids[r]] for `rows` ids.
    static func forward(table: UnsafePointer<Float>, ids: UnsafePointer<Int32>, rows: Int, width: Int,
                        out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            (out + r * width).update(from: table + Int(ids[r]) * width, count: width)
        }
    }

    /// The rows of an int8 copy of the table (``Int8Weights``): out[r] = table[ids[r]] and scales[r] its scale.
    static func forward(table: Int8Weights.Matrix, ids: UnsafePointer<Int32>, rows: Int, width: Int,
                        out: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let id = Int(ids[r])
            (out + r * width).update(from: table.values + id * width, count: width)
            scales[r] = table.scales[id]
        }
    }

    /// dTable[ids[r]] += dOut[r]: a lookup's gradient is a scatter-add into the rows it read.
    static func backward(dTable: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, rows: Int, width: Int,
                         dOut: UnsafePointer<Float>) {
        for r in 0..<rows {
            let target = dTable + Int(ids[r]) * width
            let source = dOut + r * width
            for j in 0..<width { target[j] += source[j] }
        }
    }
}
