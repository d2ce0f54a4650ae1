extension Duration {
    /// The duration in seconds, as a `Double`: what throughput and time-limit arithmetic needs.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
