import CharLSTM
import Foundation

/// Numbers and durations the way people read them in a terminal.
enum HumanReadable {
    /// 1234567 → "1,234,567".
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// .steps(20000) → "20,000 steps", .epochs(1) → "1 epoch", an open-ended goal → "a time limit".
    static func goal(_ goal: TrainingGoal) -> String {
        switch goal {
        case .openEnded: return "a time limit"
        case .epochs(let n): return "\(count(n)) epoch\(n == 1 ? "" : "s")"
        case .steps(let n): return "\(count(n)) step\(n == 1 ? "" : "s")"
        }
    }

    /// 58213.4 → "58.2k".
    static func rate(_ value: Double) -> String {
        if value >= 1_000_000 { return String(format: "%.2fM", value / 1_000_000) }
        if value >= 10_000 { return String(format: "%.1fk", value / 1_000) }
        return String(format: "%.0f", value)
    }

    /// 3725 → "1h02m", 192 → "3m12s", 7 → "7s".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }

    /// Three significant digits, for learning rates: 0.0017485108 → "0.00175", 2e-5 → "2e-05".
    static func significant(_ value: Float) -> String { String(format: "%.3g", Double(value)) }

    /// Short times as people read them: 0.00042 → "0.42 ms", 0.0123 → "12.3 ms", 1.25 → "1.25 s".
    static func milliseconds(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.2f s", seconds) }
        let ms = seconds * 1000
        return String(format: ms < 10 ? "%.2f ms" : "%.1f ms", ms)
    }

    /// Fixed decimals: (1.23456, 3) → "1.235".
    static func decimal(_ value: Double, _ places: Int) -> String { String(format: "%.\(places)f", value) }
}
