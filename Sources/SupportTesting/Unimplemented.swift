import Foundation

/// What a fake throws when a test calls something it did not set up: the test fails with the name of the call instead
/// of passing on a made-up answer.
public struct Unimplemented: Error, CustomStringConvertible, Sendable {
    public let call: String

    public init(_ call: String) { self.call = call }

    public var description: String { "\(call) was called, but the test did not say what it returns" }
}
