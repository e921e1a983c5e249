import Foundation

/// Turns a message into a sparse, L2-normalised feature vector: word unigrams and bigrams plus character
/// 3- to 5-grams within words (so "cancle" and "refnd" still share most features with the real words).
/// Features are hashed with FNV-1a into a fixed space, identical on every machine and run.
public struct FeatureExtractor: Sendable {
    public static let dimension = 1 << 18

    public init() {}

    public struct Vector: Sendable {
        public var indices: [Int32]
        public var values: [Float]
    }

    /// Lower-case words; digits collapse to one token so that order numbers do not become features.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var sawDigit = false
        func flush() {
            if sawDigit { words.append("<num>") } else if !current.isEmpty { words.append(current) }
            current = ""
            sawDigit = false
        }
        for scalar in text.lowercased().replacingOccurrences(of: "’", with: "'").unicodeScalars {
            if CharacterSet.decimalDigits.contains(scalar) {
                sawDigit = true
            } else if CharacterSet.letters.contains(scalar) || scalar == "'" {
                if sawDigit { flush() }
                current.unicodeScalars.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return words.map { $0 == "'" ? "" : $0.replacingOccurrences(of: "'", with: "") }.filter { !$0.isEmpty }
    }

    public func vector(_ text: String) -> Vector {
        var counts: [Int32: Float] = [:]
        let words = Self.words(text)
        func add(_ seed: UInt64, _ bytes: some Sequence<UInt8>, weight: Float = 1) {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            counts[Int32(truncatingIfNeeded: hash % UInt64(Self.dimension)), default: 0] += weight
        }
        var previous = "<s>"
        for word in words {
            add(1, word.utf8)
            add(2, (previous + " " + word).utf8)
            previous = word
            let padded = Array((" " + word + " ").utf8)
            if padded.count >= 3 {
                for n in 3...5 where padded.count >= n {
                    for start in 0...(padded.count - n) { add(UInt64(n) << 8, padded[start..<(start + n)], weight: 0.5) }
                }
            }
        }
        if !words.isEmpty { add(2, (previous + " </s>").utf8) }
        var indices: [Int32] = []
        var values: [Float] = []
        indices.reserveCapacity(counts.count)
        values.reserveCapacity(counts.count)
        var norm: Float = 0
        for (index, count) in counts.sorted(by: { $0.key < $1.key }) {
            let value = 1 + log(count)
            indices.append(index)
            values.append(value)
            norm += value * value
        }
        norm = norm.squareRoot()
        if norm > 0 { for i in values.indices { values[i] /= norm } }
        return Vector(indices: indices, values: values)
    }
}
