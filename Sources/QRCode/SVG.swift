extension QRCode {
    /// A standalone SVG: one <path> of dark squares (runs per row), a white background rect, a quiet zone of 4 modules,
    /// viewBox in modules, width/height in px = (size + 8) × `moduleSize`, crisp edges, and `role="img"` with `label`
    /// (XML-escaped) as its aria-label.
    public func svg(moduleSize: Int = 4, label: String) -> String {
        precondition(moduleSize > 0, "moduleSize must be positive")
        let quietZone = 4
        let extent = size + 2 * quietZone
        let pixels = extent * moduleSize
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard self[x, y] else { x += 1; continue }
                let start = x
                while x < size, self[x, y] { x += 1 }
                let run = x - start
                path += "M\(start + quietZone) \(y + quietZone)h\(run)v1h-\(run)z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(pixels)" height="\(pixels)" viewBox="0 0 \(extent) \(extent)" \
            shape-rendering="crispEdges" role="img" aria-label="\(Self.xmlEscaped(label))">\
            <rect width="\(extent)" height="\(extent)" fill="#fff"/>\
            <path fill="#000" d="\(path)"/>\
            </svg>
            """
    }

    /// `text` with the five XML special characters replaced by entities.
    private static func xmlEscaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
