import Testing
@testable import CharLSTM

@Suite struct ModelSizeRuleTests {
    /// The widest width that still makes the minimum number of passes, and dropout only once the passes times the
    /// weights per character say the model will start to memorise the text.
    @Test func choosesTheWidestModelThatReadsTheTextOftenEnough() {
        let rate = 8_000.0   // 2×512 characters per second, as on a 2-core machine with OpenBLAS
        let shakespeare = ModelSizeRule.choose(trainingCharacters: 1_003_854, seconds: 600, referenceRate: rate,
                                               vocabularySize: 65, cell: .lstm)
        #expect(shakespeare.hidden == 512 && shakespeare.layers == 2)
        #expect(shakespeare.expectedEpochs >= ModelSizeRule.minimumEpochs)
        #expect(shakespeare.dropout == 0 && shakespeare.weightDecay == 0, "about five passes: no regularisation")
        let wider = ModelSizeRule.choose(trainingCharacters: 1_003_854, seconds: 600, referenceRate: rate,
                                         vocabularySize: 65, cell: .lstm, hidden: 768)
        #expect(wider.expectedEpochs < ModelSizeRule.minimumEpochs, "768 would not make the minimum")
        let halfHour = ModelSizeRule.choose(trainingCharacters: 1_003_854, seconds: 1800, referenceRate: 14_500,
                                            vocabularySize: 65, cell: .lstm)
        #expect(halfHour.hidden == 1024 && halfHour.expectedEpochs < 8)
        #expect(halfHour.dropout == ModelSizeRule.dropout && halfHour.weightDecay > 0,
                "12.9 weights per character, read over six times")
        let hour = ModelSizeRule.choose(trainingCharacters: 1_003_854, seconds: 3600, referenceRate: 14_500,
                                        vocabularySize: 65, cell: .lstm)
        #expect(hour.hidden == 1536 && hour.expectedEpochs >= ModelSizeRule.minimumEpochs && hour.expectedEpochs < 8)
        #expect(hour.dropout == ModelSizeRule.strongDropout, "29 weights per character, read about six times")

        let tiny = ModelSizeRule.choose(trainingCharacters: 6_000, seconds: 600, referenceRate: rate, vocabularySize: 50, cell: .lstm)
        #expect(tiny.hidden == ModelSizeRule.widths.last)
        #expect(tiny.dropout == ModelSizeRule.strongDropout && tiny.dropoutMask == .perSequence && tiny.weightDecay > 0,
                "hundreds of passes")
        let huge = ModelSizeRule.choose(trainingCharacters: 500_000_000, seconds: 600, referenceRate: rate,
                                        vocabularySize: 200, cell: .lstm)
        #expect(huge.hidden == ModelSizeRule.widths.first)
        #expect(huge.dropout == 0 && huge.weightDecay == 0, "a text read less than once needs no dropout")
    }

    /// Measured speeds replace scaled ones: a width that measured too slow rules out itself and every wider one,
    /// and an unmeasured width takes the speed of the nearest measured one, scaled.
    @Test func measuredSpeedsOverruleScaledOnes() {
        func choose(_ rates: [Int: Double]) -> ModelSizeRule.Choice {
            ModelSizeRule.choose(trainingCharacters: 1_000_000, seconds: 600, measuredRates: rates, vocabularySize: 65,
                                 cell: .lstm)
        }
        #expect(choose([512: 8_000]).hidden == 512, "4.8 passes")
        #expect(choose([512: 5_000]).hidden == 384, "512 makes 3 passes; 384, scaled, about 5")
        let slower = choose([512: 5_000, 384: 6_000])
        #expect(slower.hidden == 256, "384 measured at 3.6 passes")
        #expect(slower.expectedEpochs > 6, "256 scaled from 384, its nearest measured width")
        let measured = choose([512: 5_000, 384: 9_000])
        #expect(measured.hidden == 384 && abs(measured.expectedEpochs - 5.4) < 0.01, "the measured speed, not a scaled one")
        #expect(choose([512: 5_000, 384: 6_000, 256: 6_000]).hidden == 192)
    }
}
