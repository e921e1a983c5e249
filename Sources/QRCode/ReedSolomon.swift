/// Arithmetic in GF(256) with the QR Code field polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D).
enum GF256 {
    /// `exp[i] = 2^i`, doubled in length so that `log[a] + log[b]` needs no reduction.
    private static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for power in 0..<255 {
            table[power] = UInt8(value)
            table[power + 255] = UInt8(value)
            value <<= 1
            if value > 0xFF { value ^= 0x11D }
        }
        return table
    }()

    private static let log: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for power in 0..<255 { table[Int(exp[power])] = power }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        a == 0 || b == 0 ? 0 : exp[log[Int(a)] + log[Int(b)]]
    }
}

/// Reed–Solomon error-correction codeword generator for a fixed number of codewords.
struct ReedSolomon {
    /// Generator polynomial ∏(x − 2^i), i in 0..<degree, highest power first, monic term omitted.
    private let generator: [UInt8]

    init(degree: Int) {
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for index in 0..<degree {
                coefficients[index] = GF256.multiply(coefficients[index], root)
                if index + 1 < degree { coefficients[index] ^= coefficients[index + 1] }
            }
            root = GF256.multiply(root, 2)
        }
        generator = coefficients
    }

    /// The error-correction codewords: the remainder of `data · x^degree` divided by the generator.
    func remainder(of data: ArraySlice<UInt8>) -> [UInt8] {
        let degree = generator.count
        var result = [UInt8](repeating: 0, count: degree)
        for byte in data {
            let factor = byte ^ result[0]
            for index in 0..<(degree - 1) {
                result[index] = result[index + 1] ^ GF256.multiply(generator[index], factor)
            }
            result[degree - 1] = GF256.multiply(generator[degree - 1], factor)
        }
        return result
    }
}
