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

    /// Raw sublinear term frequencies of the two feature blocks (words, characters), before IDF weighting.
    func counts(_ text: String) -> (words: [Int32: Float], chars: [Int32: Float]) {
        var wordCounts: [Int32: Float] = [:]
        var charCounts: [Int32: Float] = [:]
        let words = Self.words(text)
        func hash(_ seed: UInt64, _ bytes: some Sequence<UInt8>) -> Int32 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            return Int32(truncatingIfNeeded: hash % UInt64(Self.dimension))
        }
        var previous = "<s>"
        for word in words {
            wordCounts[hash(1, word.utf8), default: 0] += 1
            wordCounts[hash(2, (previous + " " + word).utf8), default: 0] += 1
            previous = word
            let padded = Array((" " + word + " ").utf8)
            for n in 3...5 where padded.count >= n {
                for start in 0...(padded.count - n) { charCounts[hash(UInt64(n) << 8, padded[start..<(start + n)]), default: 0] += 1 }
            }
        }
        if !words.isEmpty { wordCounts[hash(2, (previous + " </s>").utf8), default: 0] += 1 }
        return (wordCounts, charCounts)
    }

    /// TF-IDF vector: each block weighted by `idf` (zero for features never seen in training, which are dropped),
    /// L2-normalised on its own, then the two blocks side by side.
    public func vector(_ text: String, idf: [Float]) -> Vector {
        let (words, chars) = counts(text)
        var indices: [Int32] = []
        var values: [Float] = []
        indices.reserveCapacity(words.count + chars.count)
        values.reserveCapacity(words.count + chars.count)
        for block in [words, chars] {
            let start = values.count
            var norm: Float = 0
            for (index, count) in block.sorted(by: { $0.key < $1.key }) {
                let weight = idf[Int(index)]
                guard weight > 0 else { continue }
                let value = (1 + log(count)) * weight
                indices.append(index)
                values.append(value)
                norm += value * value
            }
            norm = norm.squareRoot()
            if norm > 0 { for i in start..<values.count { values[i] /= norm } }
        }
        return Vector(indices: indices, values: values)
    }

    /// Smoothed inverse document frequencies over `texts` (as scikit-learn computes them); zero where unseen.
    func inverseDocumentFrequencies(_ texts: [String]) -> [Float] {
        var documentFrequency = [Int32](repeating: 0, count: Self.dimension)
        for text in texts {
            let (words, chars) = counts(text)
            for index in words.keys { documentFrequency[Int(index)] += 1 }
            for index in chars.keys { documentFrequency[Int(index)] += 1 }
        }
        let n = Float(texts.count)
        return documentFrequency.map { $0 == 0 ? 0 : log((1 + n) / (1 + Float($0))) + 1 }
    }
}
