import Foundation

/// The forward pass's numeric loops over raw pointers. Products are summed with plain `acc += a * b` on SIMD8
/// accumulators: without a target-CPU flag a fused multiply-add becomes a slow library call (see FACTS.md).
enum Kernels {
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }

    /// y[t][o] = b[o] + Σₖ x[t][k] · w[o][k] for `rows` × `inputs` x and `outputs` × `inputs` w (inputs a multiple of 8).
    /// Blocked 2 rows × 2 outputs so each loaded vector feeds two products; outputs are walked in tiles small enough
    /// for the tile's weights to stay in cache while every row passes over them.
    static func linear(_ x: UnsafePointer<Float>, rows: Int, weight: [Float], bias: [Float], inputs k: Int, outputs n: Int,
                       into y: UnsafeMutablePointer<Float>) {
        weight.withUnsafeBufferPointer { weightBuffer in
            bias.withUnsafeBufferPointer { biasBuffer in
                linear(x, rows: rows, weight: weightBuffer.baseAddress!, bias: biasBuffer.baseAddress!, inputs: k, outputs: n, into: y)
            }
        }
    }

    static func linear(_ x: UnsafePointer<Float>, rows: Int, weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                       inputs k: Int, outputs n: Int, into y: UnsafeMutablePointer<Float>) {
        let tile = max(2, (32 * 1024 / (4 * k)) & ~1)  // about 32 KB of weights per tile
        var tileStart = 0
        while tileStart < n {
            let tileEnd = min(tileStart + tile, n)
            var t = 0
            while t + 1 < rows {
                let x0 = x + t * k, x1 = x0 + k
                var o = tileStart
                while o + 1 < tileEnd {
                    let w0 = w + o * k, w1 = w0 + k
                    var a00 = SIMD8<Float>(), a01 = SIMD8<Float>(), a10 = SIMD8<Float>(), a11 = SIMD8<Float>()
                    var i = 0
                    while i < k {
                        let u0 = load(x0 + i), u1 = load(x1 + i)
                        let v0 = load(w0 + i), v1 = load(w1 + i)
                        a00 += u0 * v0
                        a01 += u0 * v1
                        a10 += u1 * v0
                        a11 += u1 * v1
                        i += 8
                    }
                    y[t * n + o] = bias[o] + a00.sum()
                    y[t * n + o + 1] = bias[o + 1] + a01.sum()
                    y[(t + 1) * n + o] = bias[o] + a10.sum()
                    y[(t + 1) * n + o + 1] = bias[o + 1] + a11.sum()
                    o += 2
                }
                while o < tileEnd {
                    y[t * n + o] = bias[o] + dot(x0, w + o * k, count: k)
                    y[(t + 1) * n + o] = bias[o] + dot(x1, w + o * k, count: k)
                    o += 1
                }
                t += 2
            }
            if t < rows {
                let x0 = x + t * k
                for o in tileStart..<tileEnd { y[t * n + o] = bias[o] + dot(x0, w + o * k, count: k) }
            }
            tileStart = tileEnd
        }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += load(a + i) * load(b + i)
            acc1 += load(a + i + 8) * load(b + i + 8)
            i += 16
        }
        while i < count {
            acc0 += load(a + i) * load(b + i)
            i += 8
        }
        return (acc0 + acc1).sum()
    }

    /// Multi-head self-attention over one sentence (every token attends to every token). `qkv` rows hold the query,
    /// key and value projections side by side; the context for head h goes to columns h·headSize ..< (h+1)·headSize.
    static func attention(_ qkv: UnsafePointer<Float>, tokens: Int, heads: Int, headSize: Int,
                          scores: UnsafeMutablePointer<Float>, into context: UnsafeMutablePointer<Float>) {
        precondition(headSize == 32, "the attention kernel is written for heads of 32")
        let d = heads * headSize
        let stride = 3 * d
        let scale = 1 / Float(headSize).squareRoot()
        for h in 0..<heads {
            let column = h * headSize
            for t in 0..<tokens {
                let q = qkv + t * stride + column
                let q0 = load(q), q1 = load(q + 8), q2 = load(q + 16), q3 = load(q + 24)
                var largest = -Float.infinity
                for s in 0..<tokens {
                    let key = qkv + s * stride + d + column
                    var acc = q0 * load(key)
                    acc += q1 * load(key + 8)
                    acc += q2 * load(key + 16)
                    acc += q3 * load(key + 24)
                    let score = acc.sum() * scale
                    scores[s] = score
                    largest = max(largest, score)
                }
                var total: Float = 0
                for s in 0..<tokens {
                    let e = exp(scores[s] - largest)
                    scores[s] = e
                    total += e
                }
                var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
                for s in 0..<tokens {
                    let value = qkv + s * stride + 2 * d + column
                    let p = SIMD8<Float>(repeating: scores[s])
                    c0 += p * load(value)
                    c1 += p * load(value + 8)
                    c2 += p * load(value + 16)
                    c3 += p * load(value + 24)
                }
                let inverse = SIMD8<Float>(repeating: 1 / total)
                let out = context + t * d + column
                store(c0 * inverse, out)
                store(c1 * inverse, out + 8)
                store(c2 * inverse, out + 16)
                store(c3 * inverse, out + 24)
            }
        }
    }

    /// LayerNorm of each row in place (biased variance, as PyTorch).
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, gain: [Float], bias: [Float]) {
        addResidualAndNormalize(x, residual: nil, rows: rows, gain: gain, bias: bias, into: x)
    }

    /// out = LayerNorm(x + residual), row by row; `out` may alias `x` or `residual`.
    static func addResidualAndNormalize(_ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?, rows: Int,
                                        gain: [Float], bias: [Float], into out: UnsafeMutablePointer<Float>) {
        let d = gain.count
        gain.withUnsafeBufferPointer { g in
            bias.withUnsafeBufferPointer { b in
                for t in 0..<rows {
                    let row = x + t * d
                    if let residual {
                        let r = residual + t * d
                        for i in 0..<d { row[i] += r[i] }
                    }
                    var sum: Float = 0
                    for i in 0..<d { sum += row[i] }
                    let mean = sum / Float(d)
                    var squares: Float = 0
                    for i in 0..<d {
                        let centred = row[i] - mean
                        squares += centred * centred
                    }
                    let inverse = 1 / (squares / Float(d) + SentenceEmbedder.layerNormEpsilon).squareRoot()
                    let target = out + t * d
                    for i in 0..<d { target[i] = (row[i] - mean) * inverse * g[i] + b[i] }
                }
            }
        }
    }

    /// Exact GELU, x · Φ(x) with the error function (BERT's "gelu", not the tanh approximation).
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let invSqrt2 = Float(0.5).squareRoot()
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + erf(v * invSqrt2))
        }
    }
}
