import Testing
@testable import CharLSTM

@Suite struct HalfPrecisionTests {
    /// Every one of the 65,536 bit patterns widens to a float and narrows back to itself (NaNs stay NaNs).
    @Test func everyHalfSurvivesARoundTrip() {
        for pattern in 0...UInt16.max {
            let value = HalfPrecision.float(pattern)
            if value.isNaN {
                #expect(HalfPrecision.float(HalfPrecision.bits(value)).isNaN)
            } else {
                #expect(HalfPrecision.bits(value) == pattern, "pattern \(pattern) → \(value)")
            }
        }
    }

    /// Known encodings, rounding to nearest with ties to even, overflow and underflow.
    @Test func roundsToNearestEven() {
        #expect(HalfPrecision.bits(1) == 0x3C00)
        #expect(HalfPrecision.bits(-2) == 0xC000)
        #expect(HalfPrecision.bits(0.1) == 0x2E66)
        #expect(HalfPrecision.bits(65504) == 0x7BFF)
        #expect(HalfPrecision.bits(65520) == 0x7C00, "halfway to the next binade rounds to infinity")
        #expect(HalfPrecision.bits(65519) == 0x7BFF)
        #expect(HalfPrecision.bits(1 + 0x1p-11) == 0x3C00, "a tie rounds to the even 1.0")
        #expect(HalfPrecision.bits(1 + 3 * 0x1p-11) == 0x3C02, "a tie rounds to the even neighbour above")
        #expect(HalfPrecision.bits(0x1p-24) == 0x0001, "smallest subnormal")
        #expect(HalfPrecision.bits(0x1p-26) == 0x0000)
        #expect(HalfPrecision.bits(-0.0) == 0x8000)
        #expect(HalfPrecision.float(0x3555) == 0.333251953125)
    }

    /// A checkpoint exported with half precision stores F16 tensors and loads as the rounded weights.
    @Test func halfCheckpointLoadsAsRoundedWeights() throws {
        let model = Fixtures.model(text: "half a loaf", embedding: 5, hidden: 7, layers: 2)
        let directory = Fixtures.temporaryDirectory()
        try RunFolder.prepare(directory)
        let full = directory + "/full.safetensors", half = directory + "/half.safetensors"
        try Checkpoint.write(model: model, to: full)
        try Checkpoint.export(Checkpoint.load(path: full), to: half, format: .half)
        let file = try SafeTensorsFile(path: half)
        #expect(file.tensors.values.allSatisfy { $0.dtype == "F16" })
        let loaded = try Checkpoint.load(path: half)
        for entry in model.layout.entries {
            for j in 0..<entry.count {
                let original = model.parameters.pointer[entry.offset + j]
                #expect(loaded.model.parameters.pointer[entry.offset + j] == HalfPrecision.float(HalfPrecision.bits(original)))
            }
        }
    }
}
