import QRCode
import Testing

/// A symbol python-qrcode produced (see make_fixtures.py).
struct MatrixFixture: CustomTestStringConvertible {
    let text: String
    let level: QRCode.ErrorCorrection
    let version: Int
    /// Lowest-penalty mask: python's `util.lost_point` over python's complete symbols.
    let mask: Int
    /// python-qrcode's own automatic choice, which scores masks with format and version
    /// information left light, so it may differ from `mask` (not asserted).
    let pythonMask: Int
    /// python's matrix for `mask`, one hex string per row, padded with zero bits.
    let rows: [String]
    /// ``digest(_:)`` of python's matrix for each forced mask 0...7.
    let maskDigests: [UInt64]

    var testDescription: String { "\(level) v\(version) \(text.prefix(24).debugDescription)" }
}

/// python's symbol for ``sweepText(count:version:levelIndex:)`` filling a version to capacity.
struct SweepFixture: CustomTestStringConvertible {
    let version: Int
    let level: QRCode.ErrorCorrection
    let capacity: Int
    let mask: Int
    let digest: UInt64
    let forcedMask: Int
    let forcedDigest: UInt64

    init(_ version: Int, _ level: QRCode.ErrorCorrection, _ capacity: Int, _ mask: Int, _ digest: UInt64, _ forcedMask: Int, _ forcedDigest: UInt64) {
        (self.version, self.level, self.capacity, self.mask, self.digest, self.forcedMask, self.forcedDigest) =
            (version, level, capacity, mask, digest, forcedMask, forcedDigest)
    }

    var testDescription: String { "\(level) v\(version)" }
}

/// FNV-1a (64-bit) over the modules in row-major order, one byte (0/1) each; mirrors make_fixtures.py.
func digest(_ code: QRCode) -> UInt64 {
    var hash: UInt64 = 0xCBF29CE484222325
    for y in 0..<code.size {
        for x in 0..<code.size { hash = (hash ^ (code[x, y] ? 1 : 0)) &* 0x100000001B3 }
    }
    return hash
}

/// Printable ASCII text of `count` bytes; mirrors `sweep_text` in make_fixtures.py.
func sweepText(count: Int, version: Int, levelIndex: Int) -> String {
    let seed = version * 4 + levelIndex
    return String(decoding: (0..<count).map { UInt8(32 + ($0 * 7 + seed) % 95) }, as: UTF8.self)
}

func levelIndex(_ level: QRCode.ErrorCorrection) -> Int {
    switch level {
    case .low: 0
    case .medium: 1
    case .quartile: 2
    case .high: 3
    }
}

/// The ``QRCode/TooLong`` error `body` throws, if any.
func tooLongError(_ body: () throws -> QRCode) -> QRCode.TooLong? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? QRCode.TooLong
    }
}

/// Modules of `code` that differ from the hex rows, as (x, y).
func mismatches(_ code: QRCode, _ rows: [String]) -> [(Int, Int)] {
    var result: [(Int, Int)] = []
    for (y, row) in rows.enumerated() {
        let nibbles = row.map { Int(String($0), radix: 16)! }
        for x in 0..<code.size where code[x, y] != ((nibbles[x / 4] >> (3 - x % 4)) & 1 == 1) {
            result.append((x, y))
        }
    }
    return result
}

@Suite struct MatchesPython {
    @Test(arguments: matrixFixtures)
    func automaticMask(_ fixture: MatrixFixture) throws {
        let code = try QRCode(text: fixture.text, errorCorrection: fixture.level)
        #expect(code.version == fixture.version)
        #expect(code.size == 4 * fixture.version + 17)
        #expect(code.size == fixture.rows.count)
        #expect(code.mask == fixture.mask)
        #expect(mismatches(code, fixture.rows).isEmpty)
        #expect(digest(code) == fixture.maskDigests[fixture.mask])
    }

    @Test(arguments: matrixFixtures)
    func everyForcedMask(_ fixture: MatrixFixture) throws {
        for mask in 0..<8 {
            let code = try QRCode(text: fixture.text, errorCorrection: fixture.level, mask: mask)
            #expect(code.mask == mask)
            #expect(code.version == fixture.version)
            #expect(digest(code) == fixture.maskDigests[mask], "mask \(mask)")
        }
    }

    /// All 40 versions × 4 levels, each filled to capacity: version choice, structure tables,
    /// Reed–Solomon, placement, format/version information and mask choice.
    @Test(arguments: sweepFixtures)
    func fullCapacity(_ fixture: SweepFixture) throws {
        let text = sweepText(count: fixture.capacity, version: fixture.version, levelIndex: levelIndex(fixture.level))
        let code = try QRCode(text: text, errorCorrection: fixture.level)
        #expect(code.version == fixture.version)
        #expect(code.mask == fixture.mask)
        #expect(digest(code) == fixture.digest)

        let forced = try QRCode(text: text, errorCorrection: fixture.level, mask: fixture.forcedMask)
        #expect(digest(forced) == fixture.forcedDigest)

        if fixture.version < 40 {
            #expect(try QRCode(text: text + "x", errorCorrection: fixture.level, mask: 0).version == fixture.version + 1)
        } else {
            let error = tooLongError { try QRCode(text: text + "x", errorCorrection: fixture.level, mask: 0) }
            #expect(error?.byteCount == fixture.capacity + 1)
            #expect(error?.capacity == fixture.capacity)
        }
    }

    @Test func fixturesCoverWhatTheyShould() {
        #expect(Set(matrixFixtures.map { levelIndex($0.level) }) == [0, 1, 2, 3])
        #expect(matrixFixtures.contains { $0.version >= 7 })
        #expect(matrixFixtures.contains { $0.text.utf8.count > $0.text.count })
        #expect(matrixFixtures.contains { $0.text.hasPrefix("otpauth://totp/") && $0.level == .medium })
        #expect(sweepFixtures.count == 160)
        #expect(pythonMaskDisagreements > 0, "python-qrcode's automatic mask is expected to differ sometimes")
    }
}

@Suite struct Errors {
    @Test func tooLongAtLevelHigh() {
        let text = String(repeating: "a", count: 3000)
        let error = tooLongError { try QRCode(text: text, errorCorrection: .high) }
        #expect(error?.byteCount == 3000)
        #expect(error?.capacity == 1273)
    }

    @Test func multiByteCharactersCountAsUTF8Bytes() throws {
        // 1273 bytes fit version 40-H; 637 two-byte characters (1274 bytes) do not.
        #expect(try QRCode(text: String(repeating: "a", count: 1273), errorCorrection: .high).version == 40)
        let error = tooLongError { try QRCode(text: String(repeating: "é", count: 637), errorCorrection: .high) }
        #expect(error?.byteCount == 1274)
    }
}

@Suite struct SVG {
    let code = try! QRCode(text: "HELLO", errorCorrection: .low)

    /// Dark modules (in symbol coordinates) named by the path's "Mx yhNv1h-Nz" runs.
    func darkModules(inPath svg: String) throws -> Set<[Int]> {
        let d = try #require(svg.split(separator: " d=\"").last?.split(separator: "\"").first)
        var modules = Set<[Int]>()
        for run in d.split(separator: "M") {
            let numbers = run.split(whereSeparator: { !$0.isNumber }).map { Int($0)! }
            try #require(numbers.count == 5)
            let (x, y, length) = (numbers[0], numbers[1], numbers[2])
            #expect(run == "\(x) \(y)h\(length)v1h-\(length)z")
            for dx in 0..<length { modules.insert([x + dx - 4, y - 4]) }
        }
        return modules
    }

    @Test func documentAttributes() {
        let svg = code.svg(moduleSize: 5, label: "Scan <me> & \"go\" 'now'")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" "))
        #expect(svg.hasSuffix("</svg>"))
        #expect(svg.contains("viewBox=\"0 0 29 29\""))
        #expect(svg.contains("width=\"145\" height=\"145\""))
        #expect(svg.contains("shape-rendering=\"crispEdges\""))
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("aria-label=\"Scan &lt;me&gt; &amp; &quot;go&quot; &apos;now&apos;\""))
        #expect(!svg.contains("<me>"))
        #expect(svg.contains("<rect width=\"29\" height=\"29\" fill=\"#fff\"/>"))
        #expect(svg.split(separator: "<path").count == 2)
        #expect(code.svg(label: "x").contains("width=\"116\" height=\"116\""))
    }

    @Test func pathDrawsExactlyTheDarkModulesInsideTheQuietZone() throws {
        let drawn = try darkModules(inPath: code.svg(label: "HELLO"))
        var expected = Set<[Int]>()
        for y in 0..<code.size {
            for x in 0..<code.size where code[x, y] { expected.insert([x, y]) }
        }
        #expect(drawn == expected)
        // Quiet zone: nothing drawn within 4 modules of the edge of the 29-module viewBox.
        #expect(drawn.allSatisfy { $0.allSatisfy { (0..<code.size).contains($0) } })
        #expect(drawn.contains([0, 0]) && drawn.contains([code.size - 1, 0]))
    }
}
