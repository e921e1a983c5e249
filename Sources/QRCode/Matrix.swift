/// The module grid under construction: function patterns, codeword placement, masking and scoring.
struct Matrix {
    let size: Int
    /// Row-major module colours, `true` = dark.
    private(set) var modules: [Bool]
    /// Row-major flags for modules that belong to function patterns or format/version information.
    private var isFunction: [Bool]

    /// A grid with all function patterns drawn, version information included and the
    /// format information area reserved.
    init(version: Int) {
        size = 4 * version + 17
        modules = Array(repeating: false, count: size * size)
        isFunction = modules

        for index in 0..<size {
            setFunction(x: 6, y: index, dark: index % 2 == 0)
            setFunction(x: index, y: 6, dark: index % 2 == 0)
        }
        drawFinder(centerX: 3, centerY: 3)
        drawFinder(centerX: size - 4, centerY: 3)
        drawFinder(centerX: 3, centerY: size - 4)

        let positions = Tables.alignmentPositions(version: version)
        for (i, x) in positions.enumerated() {
            for (j, y) in positions.enumerated() {
                let overlapsFinder = (i == 0 && j == 0) || (i == 0 && j == positions.count - 1) || (i == positions.count - 1 && j == 0)
                if !overlapsFinder { drawAlignment(centerX: x, centerY: y) }
            }
        }

        drawFormatInfo(.low, mask: 0)
        if version >= 7 { drawVersionInfo(version) }
    }

    private mutating func setFunction(x: Int, y: Int, dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    /// A 7×7 finder pattern with its one-module light separator, clipped to the symbol.
    private mutating func drawFinder(centerX: Int, centerY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centerX + dx, y = centerY + dy
                guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                let ring = max(abs(dx), abs(dy))
                setFunction(x: x, y: y, dark: ring != 2 && ring != 4)
            }
        }
    }

    private mutating func drawAlignment(centerX: Int, centerY: Int) {
        for dy in -2...2 {
            for dx in -2...2 {
                setFunction(x: centerX + dx, y: centerY + dy, dark: max(abs(dx), abs(dy)) != 1)
            }
        }
    }

    /// Draws both copies of the 15-bit format information (BCH(15,5), XOR 0x5412) and the dark module.
    mutating func drawFormatInfo(_ level: QRCode.ErrorCorrection, mask: Int) {
        let data = level.formatBits << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }

        for index in 0...5 { setFunction(x: 8, y: index, dark: bit(index)) }
        setFunction(x: 8, y: 7, dark: bit(6))
        setFunction(x: 8, y: 8, dark: bit(7))
        setFunction(x: 7, y: 8, dark: bit(8))
        for index in 9..<15 { setFunction(x: 14 - index, y: 8, dark: bit(index)) }

        for index in 0..<8 { setFunction(x: size - 1 - index, y: 8, dark: bit(index)) }
        for index in 8..<15 { setFunction(x: 8, y: size - 15 + index, dark: bit(index)) }
        setFunction(x: 8, y: size - 8, dark: true)
    }

    /// Draws both copies of the 18-bit version information (BCH(18,6)).
    private mutating func drawVersionInfo(_ version: Int) {
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        let bits = version << 12 | remainder
        for index in 0..<18 {
            let dark = (bits >> index) & 1 == 1
            let a = size - 11 + index % 3, b = index / 3
            setFunction(x: a, y: b, dark: dark)
            setFunction(x: b, y: a, dark: dark)
        }
    }

    /// Places codeword bits in the two-column zigzag from the bottom-right corner, skipping
    /// function modules and the vertical timing column; leftover remainder bits stay light.
    mutating func place(codewords: [UInt8]) {
        let bitCount = codewords.count * 8
        var bitIndex = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for vertical in 0..<size {
                let y = upward ? size - 1 - vertical : vertical
                for x in stride(from: right, through: right - 1, by: -1) where !isFunction[y * size + x] && bitIndex < bitCount {
                    modules[y * size + x] = (codewords[bitIndex >> 3] >> (7 - UInt8(bitIndex & 7))) & 1 == 1
                    bitIndex += 1
                }
            }
            right -= 2
        }
    }

    /// Inverts the non-function modules selected by mask pattern `mask` (0...7).
    mutating func applyMask(_ mask: Int) {
        let invert: (_ x: Int, _ y: Int) -> Bool = switch mask {
        case 0: { x, y in (y + x) % 2 == 0 }
        case 1: { _, y in y % 2 == 0 }
        case 2: { x, _ in x % 3 == 0 }
        case 3: { x, y in (y + x) % 3 == 0 }
        case 4: { x, y in (y / 2 + x / 3) % 2 == 0 }
        case 5: { x, y in (y * x) % 2 + (y * x) % 3 == 0 }
        case 6: { x, y in ((y * x) % 2 + (y * x) % 3) % 2 == 0 }
        default: { x, y in ((y + x) % 2 + (y * x) % 3) % 2 == 0 }
        }
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && invert(x, y) {
                modules[y * size + x].toggle()
            }
        }
    }

    /// The mask whose complete symbol (format information included) has the lowest penalty;
    /// ties go to the lowest mask number.
    func lowestPenaltyMask(_ level: QRCode.ErrorCorrection) -> Int {
        var best = (mask: 0, penalty: Int.max)
        for mask in 0..<8 {
            var candidate = self
            candidate.applyMask(mask)
            candidate.drawFormatInfo(level, mask: mask)
            let score = candidate.penalty()
            if score < best.penalty { best = (mask, score) }
        }
        return best.mask
    }

    /// Penalty score per ISO/IEC 18004 §7.8.3: N1 (runs of five or more), N2 (2×2 blocks),
    /// N3 (1:1:3:1:1 finder-like patterns with four light modules on one side, matched within
    /// the symbol only, as python-qrcode does; some encoders also match against the quiet zone)
    /// and N4 (dark proportion).
    func penalty() -> Int {
        var score = 0
        for line in 0..<size {
            score += linePenalty(start: line * size, stride: 1)
            score += linePenalty(start: line, stride: size)
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let color = modules[y * size + x]
                if color == modules[y * size + x + 1], color == modules[(y + 1) * size + x], color == modules[(y + 1) * size + x + 1] {
                    score += 3
                }
            }
        }
        let total = size * size
        let dark = modules.reduce(0) { $0 + ($1 ? 1 : 0) }
        score += 10 * (abs(20 * dark - 10 * total) / total)
        return score
    }

    /// N1 and N3 penalties of one row or column.
    private func linePenalty(start: Int, stride: Int) -> Int {
        var score = 0
        var runColor = false
        var runLength = 0
        var window = 0 // last 11 modules, the newest in bit 0
        for index in 0..<size {
            let dark = modules[start + index * stride]
            if dark == runColor {
                runLength += 1
            } else {
                if runLength >= 5 { score += runLength - 2 }
                runColor = dark
                runLength = 1
            }
            window = (window << 1 | (dark ? 1 : 0)) & 0x7FF
            if index >= 10, window == 0b101_1101_0000 || window == 0b000_0101_1101 { score += 40 }
        }
        if runLength >= 5 { score += runLength - 2 }
        return score
    }
}
