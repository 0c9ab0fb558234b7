/// "Did you mean" hints for names a user mistyped.
public enum Suggestion {
    /// ` — did you mean 'x'?` for the closest of `known` when it is within 3 edits of
    /// `name`, else the empty string.
    public static func didYouMean(_ name: String, among known: some Collection<String>) -> String {
        guard let closest = known.min(by: { editDistance($0, name) < editDistance($1, name) }),
            editDistance(closest, name) <= 3
        else { return "" }
        return " — did you mean '\(closest)'?"
    }

    /// Levenshtein distance.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
