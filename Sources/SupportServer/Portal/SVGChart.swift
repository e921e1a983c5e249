import Foundation
import SupportSearch

/// Bar charts as inline SVG, drawn by the service (no script, no library, no other host): labelled axes, a legend,
/// an accessible title and description, and a plain sentence instead of a chart when there is nothing to show.
enum SVGChart {
    struct Series {
        var name: String
        var values: [Double]
        /// A CSS class naming the colour (`series-0`, `series-1`, …).
        var style: String
    }

    /// Grouped vertical bars: one group per category, one bar per series.
    static func bars(id: String, title: String, description: String, categories: [String], series: [Series],
                     yLabel: String, width: Int = 720, height: Int = 260) -> String {
        let maximum = series.flatMap(\.values).max() ?? 0
        guard !categories.isEmpty, maximum > 0 else {
            return "<p class=\"chart-empty\" id=\"\(id)\">\(escape(title)): nothing in this period.</p>"
        }
        let left = 48.0, right = 12.0, top = 28.0, bottom = 46.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let step = niceStep(maximum / 4)
        let highest = (maximum / step).rounded(.up) * step
        let groupWidth = plotWidth / Double(categories.count)
        let barWidth = max(1, (groupWidth * 0.8) / Double(series.count))
        var svg = """
            <svg id="\(id)" class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="\(id)-title \(id)-desc" \
            xmlns="http://www.w3.org/2000/svg"><title id="\(id)-title">\(escape(title))</title>\
            <desc id="\(id)-desc">\(escape(description))</desc>
            """
        // Horizontal grid lines with the axis's values.
        var tick = 0.0
        while tick <= highest + step / 2 {
            let y = top + plotHeight - tick / highest * plotHeight
            svg += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\"/>"
            svg += "<text class=\"axis\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(number(tick))</text>"
            tick += step
        }
        svg += "<text class=\"axis-label\" x=\"12\" y=\"\(f(top + plotHeight / 2))\" transform=\"rotate(-90 12 \(f(top + plotHeight / 2)))\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        // Label every category when they fit, else about ten of them.
        let labelEvery = max(1, Int((Double(categories.count) / 10).rounded(.up)))
        for (index, category) in categories.enumerated() {
            let x0 = left + Double(index) * groupWidth + groupWidth * 0.1
            for (s, line) in series.enumerated() where index < line.values.count {
                let value = line.values[index]
                let barHeight = value / highest * plotHeight
                svg += "<rect class=\"\(line.style)\" x=\"\(f(x0 + Double(s) * barWidth))\" y=\"\(f(top + plotHeight - barHeight))\" "
                    + "width=\"\(f(barWidth))\" height=\"\(f(barHeight))\"><title>\(escape("\(category), \(line.name): \(number(value))"))</title></rect>"
            }
            if index % labelEvery == 0 {
                svg += "<text class=\"axis\" x=\"\(f(left + (Double(index) + 0.5) * groupWidth))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\">\(escape(category))</text>"
            }
        }
        svg += "<line class=\"axis-line\" x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\"/>"
        // The legend, above the plot.
        var x = left
        for line in series {
            svg += "<rect class=\"\(line.style)\" x=\"\(f(x))\" y=\"8\" width=\"12\" height=\"12\"/>"
            svg += "<text class=\"legend\" x=\"\(f(x + 16))\" y=\"18\">\(escape(line.name))</text>"
            x += 24 + Double(line.name.count) * 7
        }
        return svg + "</svg>"
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0 else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= raw { return max(1, factor * magnitude) }
        return max(1, 10 * magnitude)
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func escape(_ text: String) -> String { HTMLEscape.escape(text) }
}
