enum QRImage { static func svg(_ text: String, label: String) -> String { "" } }
