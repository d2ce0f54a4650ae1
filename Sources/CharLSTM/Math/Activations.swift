#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The logistic function σ(x) = 1 / (1 + e^(−x)); its derivative is σ(x)·(1 − σ(x)).
@inline(__always)
func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// tanh(x); its derivative is 1 − tanh²(x).
@inline(__always)
func hyperbolicTangent(_ x: Float) -> Float { tanhf(x) }
