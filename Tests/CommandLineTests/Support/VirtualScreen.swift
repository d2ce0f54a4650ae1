/// What a terminal would show for a stream of output: enough of a VT100 to follow readline's redisplay (printable
/// characters one column each, two for East Asian wide characters and emoji; CR, LF, BS, and the CSI sequences
/// for cursor motion and erasing), so a test can check the line a person sees rather than the bytes that drew it.
/// Colours and modes are ignored.
struct VirtualScreen {
    private(set) var rows: [[Character]] = [[]]
    private(set) var row = 0
    private(set) var column = 0

    init(_ output: String) {
        var characters = Array(output)[...]
        while let character = characters.popFirst() {
            switch character {
            case "\r": column = 0
            case "\n": moveDown()
            case "\r\n": column = 0; moveDown()
            case "\u{8}": column = max(0, column - 1)
            case "\u{7}": break
            case "\u{1B}":
                guard characters.first == "[" else { _ = characters.popFirst(); continue }
                characters.removeFirst()
                var parameters = ""
                while let next = characters.popFirst() {
                    if next.isLetter || next == "@" || next == "~" { apply(next, parameters); break }
                    parameters.append(next)
                }
            default: put(character)
            }
        }
    }

    /// The text of the row the cursor is on, without trailing spaces.
    var cursorLine: String { line(row) }

    func line(_ index: Int) -> String {
        var text = String(rows[index].filter { $0 != Self.continuation })
        while text.last == " " { text.removeLast() }
        return text
    }

    private mutating func moveDown() {
        row += 1
        if row == rows.count { rows.append([]) }
    }

    /// The second cell of a wide character.
    private static let continuation: Character = "\u{0}"

    private mutating func put(_ character: Character) {
        let cells: [Character] = Self.isWide(character) ? [character, Self.continuation] : [character]
        for cell in cells {
            while rows[row].count < column { rows[row].append(" ") }
            if column < rows[row].count { rows[row][column] = cell } else { rows[row].append(cell) }
            column += 1
        }
    }

    /// Whether a terminal gives the character two columns (the ranges wcwidth treats as wide that tests use).
    private static func isWide(_ character: Character) -> Bool {
        let value = character.unicodeScalars.first!.value
        let wide: [ClosedRange<UInt32>] = [0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
                                           0xFF00...0xFF60, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD]
        return wide.contains { $0.contains(value) }
    }

    private mutating func apply(_ command: Character, _ parameters: String) {
        let n = Int(parameters) ?? 1
        switch command {
        case "C": column += n
        case "D": column = max(0, column - n)
        case "A": row = max(0, row - n)
        case "B": for _ in 0..<n { moveDown() }
        case "G": column = max(0, n - 1)
        case "K":
            let mode = Int(parameters) ?? 0
            if mode == 0 && column < rows[row].count { rows[row].removeSubrange(column...) }
            if mode == 2 { rows[row] = [] }
        case "P":
            if column < rows[row].count { rows[row].removeSubrange(column..<min(rows[row].count, column + n)) }
        case "@":
            if column <= rows[row].count { rows[row].insert(contentsOf: repeatElement(" ", count: n), at: column) }
        default: break   // colours (m), modes (h, l) and the rest change nothing visible here
        }
    }
}
