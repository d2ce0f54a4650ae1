/// Told how far a long read through the network (evaluating a text, priming from a file) has come: called after
/// each chunk with the number of characters read so far, those the vocabulary knows. Returning false stops the
/// read there; what was read stays read.
public typealias ReadingProgress = (_ read: Int) -> Bool
