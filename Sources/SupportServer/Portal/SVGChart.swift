import Foundation
import SupportSearch

/// Bar, stacked-bar and line charts as inline SVG, drawn by the service (no script, no library, no other host): labelled axes, a legend,
/// an accessible title and description, and a plain sentence instead of a chart when there is nothing to show.
enum SVGChart {
    struct Series {
        var name: String
        var values: [Double]
        /// A CSS class naming the colour (`series-0`, `series-1`, …).
        var style: String
    }

    enum Kind {
        /// One bar per series, side by side in each category.
        case grouped
        /// The series' bars stacked in each category (the total is the stack's height).
        case stacked
        /// One line per series through the categories, with a dot on each value.
        case line
    }

    /// Grouped vertical bars: one group per category, one bar per series.
    static func bars(id: String, title: String, description: String, categories: [String], series: [Series],
                     yLabel: String, width: Int = 720, height: Int = 260) -> String {
        chart(.grouped, id: id, title: title, description: description, categories: categories, series: series,
              yLabel: yLabel, width: width, height: height)
    }

    static func stacked(id: String, title: String, description: String, categories: [String], series: [Series],
                        yLabel: String, width: Int = 720, height: Int = 260) -> String {
        chart(.stacked, id: id, title: title, description: description, categories: categories, series: series,
              yLabel: yLabel, width: width, height: height)
    }

    static func lines(id: String, title: String, description: String, categories: [String], series: [Series],
                      yLabel: String, width: Int = 720, height: Int = 260) -> String {
        chart(.line, id: id, title: title, description: description, categories: categories, series: series,
              yLabel: yLabel, width: width, height: height)
    }

    static func chart(_ kind: Kind, id: String, title: String, description: String, categories: [String], series: [Series],
                      yLabel: String, width: Int, height: Int) -> String {
        let maximum: Double = switch kind {
        case .stacked: categories.indices.map { index in series.reduce(0) { $0 + (index < $1.values.count ? $1.values[index] : 0) } }.max() ?? 0
        case .grouped, .line: series.flatMap(\.values).max() ?? 0
        }
        guard !categories.isEmpty, maximum > 0 else {
            return "<p class=\"chart-empty\" id=\"\(id)\">\(escape(title)): nothing in this period.</p>"
        }
        let left = 48.0, right = 12.0, top = 28.0, bottom = 46.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let step = niceStep(maximum / 4)
        let highest = (maximum / step).rounded(.up) * step
        let groupWidth = plotWidth / Double(categories.count)
        let barWidth = max(1, (groupWidth * 0.8) / Double(kind == .grouped ? series.count : 1))
        func y(_ value: Double) -> Double { top + plotHeight - value / highest * plotHeight }
        var svg = """
            <svg id="\(id)" class="chart chart-\(kind)" viewBox="0 0 \(width) \(height)" role="img" aria-labelledby="\(id)-title \(id)-desc" \
            xmlns="http://www.w3.org/2000/svg"><title id="\(id)-title">\(escape(title))</title>\
            <desc id="\(id)-desc">\(escape(description))</desc>
            """
        // Horizontal grid lines with the axis's values.
        var tick = 0.0
        while tick <= highest + step / 2 {
            svg += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(tick)))\"/>"
            svg += "<text class=\"axis\" x=\"\(f(left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(number(tick))</text>"
            tick += step
        }
        svg += "<text class=\"axis-label\" x=\"12\" y=\"\(f(top + plotHeight / 2))\" transform=\"rotate(-90 12 \(f(top + plotHeight / 2)))\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        // Label every category when they fit, else about ten of them.
        let labelEvery = max(1, Int((Double(categories.count) / 10).rounded(.up)))
        func value(_ line: Series, _ index: Int) -> Double { index < line.values.count ? line.values[index] : 0 }
        if kind == .line {
            for line in series {
                let points = categories.indices.map { "\(f(left + (Double($0) + 0.5) * groupWidth)),\(f(y(value(line, $0))))" }
                svg += "<polyline class=\"\(line.style) line\" fill=\"none\" points=\"\(points.joined(separator: " "))\"/>"
                for (index, category) in categories.enumerated() {
                    svg += "<circle class=\"\(line.style)\" cx=\"\(f(left + (Double(index) + 0.5) * groupWidth))\" cy=\"\(f(y(value(line, index))))\" r=\"3\">"
                        + "<title>\(escape("\(category), \(line.name): \(number(value(line, index)))"))</title></circle>"
                }
            }
        }
        for (index, category) in categories.enumerated() {
            let x0 = left + Double(index) * groupWidth + groupWidth * 0.1
            var base = 0.0
            for (s, line) in series.enumerated() where kind != .line && index < line.values.count {
                let amount = line.values[index]
                let barHeight = amount / highest * plotHeight
                let x = kind == .grouped ? x0 + Double(s) * barWidth : x0
                let top = kind == .grouped ? y(amount) : y(base + amount)
                svg += "<rect class=\"\(line.style)\" x=\"\(f(x))\" y=\"\(f(top))\" "
                    + "width=\"\(f(barWidth))\" height=\"\(f(barHeight))\"><title>\(escape("\(category), \(line.name): \(number(amount))"))</title></rect>"
                if kind == .stacked { base += amount }
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
