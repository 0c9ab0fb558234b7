import Foundation

/// A topic, group, transactional id or directory name no other test uses: `prefix` plus eight
/// random hex digits, so tests can share one broker or one temp directory without meeting.
public func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}
