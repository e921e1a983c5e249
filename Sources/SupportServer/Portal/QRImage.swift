import QRCode

/// A QR code of a short text as inline SVG, for a phone's camera (the authenticator set-up link).
enum QRImage {
    /// The SVG, or a plain note when the text is too long for any QR code (never for a set-up link).
    static func svg(_ text: String, label: String) -> String {
        guard let code = try? QRCode(text: text, errorCorrection: .medium) else {
            return "<p class=\"hint\">This link is too long for a QR code: type the key instead.</p>"
        }
        return code.svg(moduleSize: 4, label: label)
    }
}
