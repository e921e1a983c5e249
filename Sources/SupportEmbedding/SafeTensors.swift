import Foundation

/// A read-only view of a safetensors file: the JSON header's tensor table over the file's (memory-mapped) bytes.
struct SafeTensorsFile: Sendable {
    struct Tensor: Sendable {
        var dtype: String
        var shape: [Int]
        /// Byte range in `data` (absolute, header included).
        var bytes: Range<Int>
    }

    private struct HeaderEntry: Decodable {
        var dtype: String?
        var shape: [Int]?
        var data_offsets: [Int]?
    }

    let path: String
    let data: Data
    let tensors: [String: Tensor]

    init(url: URL) throws {
        path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw EmbeddingModelError.missingFile(path: path) }
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw EmbeddingModelError.unreadableFile(path: path, reason: "\(error)")
        }
        guard data.count >= 8 else { throw EmbeddingModelError.invalidFile(path: path, reason: "shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw EmbeddingModelError.invalidFile(path: path, reason: "header length \(headerLength) exceeds the file size")
        }
        let dataStart = 8 + Int(headerLength)
        let entries: [String: HeaderEntry]
        do {
            entries = try JSONDecoder().decode([String: HeaderEntry].self, from: data.subdata(in: 8..<dataStart))
        } catch {
            throw EmbeddingModelError.invalidFile(path: path, reason: "the JSON header does not parse (\(error))")
        }
        var tensors: [String: Tensor] = [:]
        for (name, entry) in entries where name != "__metadata__" {
            guard let dtype = entry.dtype, let shape = entry.shape, let offsets = entry.data_offsets, offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], dataStart + offsets[1] <= data.count
            else { throw EmbeddingModelError.invalidFile(path: path, reason: "tensor \(name) has a bad header entry") }
            tensors[name] = Tensor(dtype: dtype, shape: shape, bytes: (dataStart + offsets[0])..<(dataStart + offsets[1]))
        }
        self.tensors = tensors
    }

    /// The byte range of an fp32 tensor after checking its dtype, shape and size.
    func floatTensor(_ name: String, shape: [Int]) throws -> Range<Int> {
        guard let tensor = tensors[name] else { throw EmbeddingModelError.invalidFile(path: path, reason: "tensor \(name) is missing") }
        guard tensor.dtype == "F32" else {
            throw EmbeddingModelError.invalidFile(path: path, reason: "tensor \(name) is \(tensor.dtype), expected F32")
        }
        guard tensor.shape == shape, tensor.bytes.count == shape.reduce(4, *) else {
            throw EmbeddingModelError.invalidFile(path: path, reason: "tensor \(name) has shape \(tensor.shape), expected \(shape)")
        }
        return tensor.bytes
    }

    /// A copy of an fp32 tensor (row-major, as stored).
    func floats(_ name: String, shape: [Int]) throws -> [Float] {
        let range = try floatTensor(name, shape: shape)
        return floats(at: range.lowerBound, count: range.count / 4)
    }

    func floats(at byteOffset: Int, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { raw in
                // Little-endian fp32 on a little-endian host: a plain copy (the source may be unaligned).
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[byteOffset..<(byteOffset + 4 * count)]))
            }
            initialized = count
        }
    }
}
