import Foundation
import LeafKit
import SupportDomain

/// Typed page contexts: a page declares an `Encodable` struct and this turns it into what Leaf reads, so a template
/// field renamed in Swift is a compile error in the struct instead of a page that silently renders nothing.
enum PageContext {
    static func leafData(_ value: some Encodable) throws -> [String: LeafData] {
        let json = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
        return leafData(json).dictionary ?? [:]
    }

    private static func leafData(_ value: JSONValue) -> LeafData {
        switch value {
        case .null: .trueNil
        case let .bool(bool): .bool(bool)
        case let .int(int): .int(Int(int))
        case let .double(double): .double(double)
        case let .string(string): .string(string)
        case let .array(array): .array(array.map(leafData))
        case let .object(object): .dictionary(object.mapValues(leafData))
        }
    }
}
