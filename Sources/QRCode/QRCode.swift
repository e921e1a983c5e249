/// A QR Code symbol (ISO/IEC 18004, model 2) holding text in byte mode.
public struct QRCode: Sendable, Equatable {
    /// Error-correction level; restores roughly 7 %, 15 %, 25 % or 30 % of the codewords.
    public enum ErrorCorrection: Sendable { case low, medium, quartile, high }

    /// Thrown when the text does not fit in a version 40 symbol at the requested level.
    public struct TooLong: Error, Sendable, Equatable {
        /// Number of UTF-8 bytes in the rejected text.
        public let byteCount: Int
        /// Most bytes a version 40 symbol holds at the requested level.
        public let capacity: Int
    }

    /// Modules per side (`4 * version + 17`).
    public let size: Int
    /// Symbol version, 1...40.
    public let version: Int
    /// Data mask pattern applied, 0...7.
    public let mask: Int
    /// Row-major module colours, `true` = dark.
    private let modules: [Bool]

    /// The module in column `x` and row `y` (both `0..<size`); `true` = dark.
    public subscript(x: Int, y: Int) -> Bool {
        precondition((0..<size).contains(x) && (0..<size).contains(y), "module out of range")
        return modules[y * size + x]
    }

    /// Byte mode (UTF-8 bytes), the smallest version that fits, the mask with the lowest penalty (ISO/IEC 18004 rules N1–N4).
    ///
    /// - Parameter mask: forces a mask pattern (0...7) instead of choosing the lowest-penalty one.
    /// - Throws: ``TooLong`` when the UTF-8 bytes exceed the capacity of version 40.
    public init(text: String, errorCorrection: ErrorCorrection = .medium, mask: Int? = nil) throws {
        precondition(mask.map { (0...7).contains($0) } ?? true, "mask must be in 0...7")
        let bytes = Array(text.utf8)
        guard let version = (1...40).first(where: { Self.byteCapacity(version: $0, errorCorrection) >= bytes.count }) else {
            throw TooLong(byteCount: bytes.count, capacity: Self.byteCapacity(version: 40, errorCorrection))
        }
        var matrix = Matrix(version: version)
        matrix.place(codewords: Self.codewords(bytes, version: version, errorCorrection))
        let chosen = mask ?? matrix.lowestPenaltyMask(errorCorrection)
        matrix.applyMask(chosen)
        matrix.drawFormatInfo(errorCorrection, mask: chosen)

        self.size = matrix.size
        self.version = version
        self.mask = chosen
        self.modules = matrix.modules
    }
}

extension QRCode {
    /// Data bytes a byte-mode segment can carry in the given version and level.
    static func byteCapacity(version: Int, _ level: ErrorCorrection) -> Int {
        let headerBits = 4 + byteCountBits(version: version)
        return (Tables.dataCodewords(version: version, level) * 8 - headerBits) / 8
    }

    /// Width of the byte-mode character count field.
    private static func byteCountBits(version: Int) -> Int {
        version <= 9 ? 8 : 16
    }

    /// The final codeword sequence: mode, count, data, terminator and padding, split into
    /// blocks, extended with Reed–Solomon codewords and interleaved.
    private static func codewords(_ bytes: [UInt8], version: Int, _ level: ErrorCorrection) -> [UInt8] {
        let dataCount = Tables.dataCodewords(version: version, level)
        var bits = BitWriter(capacity: dataCount)
        bits.append(0b0100, width: 4)
        bits.append(bytes.count, width: byteCountBits(version: version))
        for byte in bytes { bits.append(Int(byte), width: 8) }
        bits.append(0, width: min(4, dataCount * 8 - bits.count))
        bits.append(0, width: (8 - bits.count % 8) % 8)
        var data = bits.bytes
        var pad: UInt8 = 0xEC
        while data.count < dataCount {
            data.append(pad)
            pad ^= 0xEC ^ 0x11
        }
        return interleave(data, version: version, level)
    }

    /// Splits `data` into the version's blocks (short blocks first), appends each block's
    /// error-correction codewords and interleaves data, then error-correction codewords.
    private static func interleave(_ data: [UInt8], version: Int, _ level: ErrorCorrection) -> [UInt8] {
        let blockCount = Tables.blockCount(version: version, level)
        let ecCount = Tables.ecCodewordsPerBlock(version: version, level)
        let total = Tables.totalCodewords(version: version)
        let shortBlocks = blockCount - total % blockCount
        let shortDataCount = total / blockCount - ecCount
        let encoder = ReedSolomon(degree: ecCount)

        var dataBlocks: [ArraySlice<UInt8>] = []
        var ecBlocks: [[UInt8]] = []
        var start = 0
        for block in 0..<blockCount {
            let end = start + shortDataCount + (block < shortBlocks ? 0 : 1)
            dataBlocks.append(data[start..<end])
            ecBlocks.append(encoder.remainder(of: data[start..<end]))
            start = end
        }

        var result: [UInt8] = []
        result.reserveCapacity(total)
        for index in 0...shortDataCount {
            for block in dataBlocks where index < block.count {
                result.append(block[block.startIndex + index])
            }
        }
        for index in 0..<ecCount {
            for block in ecBlocks { result.append(block[index]) }
        }
        return result
    }
}

/// Accumulates a most-significant-bit-first bit stream.
private struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Appends the low `width` bits of `value`, most significant first.
    mutating func append(_ value: Int, width: Int) {
        for shift in stride(from: width - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 { bytes[bytes.count - 1] |= 0x80 >> UInt8(count % 8) }
            count += 1
        }
    }
}
