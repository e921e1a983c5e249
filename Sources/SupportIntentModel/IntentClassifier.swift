public import Foundation
public import SupportDomain

/// A trained multinomial logistic-regression intent model over hashed n-gram features, with a calibrated
/// temperature so that its confidence means what it says.
public struct IntentClassifier: Sendable {
    public static let classes: [Intent] = [.refund, .cancel, .replacement, .status, .escalate, .other]
    static let k = classes.count

    /// Row-major: weights[feature * k + class].
    var weights: [Float]
    var bias: [Float]
    /// Inverse document frequency per feature; zero for features the training data never had.
    var idf: [Float]
    public var temperature: Float
    let extractor = FeatureExtractor()

    init(weights: [Float], bias: [Float], idf: [Float], temperature: Float) {
        self.weights = weights
        self.bias = bias
        self.idf = idf
        self.temperature = temperature
    }

    public struct Prediction: Sendable {
        public var intent: Intent
        public var confidence: Double
        /// Probabilities in the order of `IntentClassifier.classes`.
        public var probabilities: [Double]

        /// The intents ranked by probability.
        public var ranked: [(Intent, Double)] {
            zip(IntentClassifier.classes, probabilities).sorted { $0.1 > $1.1 }
        }
    }

    public func predict(_ text: String) -> Prediction {
        let logits = scores(extractor.vector(text, idf: idf))
        let probabilities = Self.softmax(logits, temperature: temperature)
        var best = 0
        for index in 1..<Self.k where probabilities[index] > probabilities[best] { best = index }
        return Prediction(intent: Self.classes[best], confidence: Double(probabilities[best]),
                          probabilities: probabilities.map(Double.init))
    }

    func scores(_ vector: FeatureExtractor.Vector) -> [Float] {
        var logits = bias
        weights.withUnsafeBufferPointer { w in
            for (index, value) in zip(vector.indices, vector.values) {
                let base = Int(index) * Self.k
                for c in 0..<Self.k { logits[c] += w[base + c] * value }
            }
        }
        return logits
    }

    static func softmax(_ logits: [Float], temperature: Float) -> [Float] {
        let scaled = logits.map { $0 / temperature }
        let maximum = scaled.max() ?? 0
        let exps = scaled.map { Foundation.exp($0 - maximum) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }
}

// MARK: - Persistence

extension IntentClassifier {
    /// The model file format: only the non-zero weight rows are stored.
    struct File: Codable {
        var format: String
        var dimension: Int
        var classes: [String]
        var temperature: Float
        var bias: [Float]
        var rows: [Int32]
        var weights: [Float]
        var idfRows: [Int32]
        var idf: [Float]
    }

    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    static let formatName = "supportops-intent-model-v2"

    public func encoded() throws -> Data {
        var rows: [Int32] = []
        var values: [Float] = []
        for feature in 0..<FeatureExtractor.dimension {
            let slice = weights[(feature * Self.k)..<((feature + 1) * Self.k)]
            guard slice.contains(where: { $0 != 0 }) else { continue }
            rows.append(Int32(feature))
            values.append(contentsOf: slice)
        }
        let idfRows = idf.indices.filter { idf[$0] != 0 }
        let file = File(format: Self.formatName, dimension: FeatureExtractor.dimension, classes: Self.classes.map(\.rawValue),
                        temperature: temperature, bias: bias, rows: rows, weights: values,
                        idfRows: idfRows.map { Int32($0) }, idf: idfRows.map { idf[$0] })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(file)
    }

    public static func load(contentsOf path: String) throws -> IntentClassifier {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(message: "cannot read the model file \(path)")
        }
        return try load(data, path: path)
    }

    /// A model from the bytes of a model file (`path` only names it in errors).
    public static func load(_ data: Data, path: String) throws -> IntentClassifier {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw LoadError(message: "\(path) is not a SupportOps model file")
        }
        guard file.format == formatName, file.dimension == FeatureExtractor.dimension,
              file.classes == classes.map(\.rawValue), file.bias.count == k, file.weights.count == file.rows.count * k,
              file.temperature > 0, file.idfRows.count == file.idf.count else {
            throw LoadError(message: "\(path) was written for another model version or is damaged")
        }
        var weights = [Float](repeating: 0, count: FeatureExtractor.dimension * k)
        for (n, row) in file.rows.enumerated() {
            guard row >= 0, Int(row) < FeatureExtractor.dimension else { throw LoadError(message: "\(path) is damaged") }
            for c in 0..<k { weights[Int(row) * k + c] = file.weights[n * k + c] }
        }
        var idf = [Float](repeating: 0, count: FeatureExtractor.dimension)
        for (row, value) in zip(file.idfRows, file.idf) {
            guard row >= 0, Int(row) < FeatureExtractor.dimension else { throw LoadError(message: "\(path) is damaged") }
            idf[Int(row)] = value
        }
        return IntentClassifier(weights: weights, bias: file.bias, idf: idf, temperature: file.temperature)
    }
}
