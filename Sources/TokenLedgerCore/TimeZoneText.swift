import Foundation

/// How every `--tz` is read, by `import` and by the reports alike: an IANA name ("Europe/Berlin",
/// "utc" in any case), or a fixed offset from UTC ("+02:00", "-0530", "UTC+2", "GMT-03:30").
package enum TimeZoneText {
    /// The zone `text` names; nil when it names none.
    package static func parse(_ text: String) -> TimeZone? {
        if let zone = TimeZone(identifier: text) ?? TimeZone(identifier: text.uppercased()) { return zone }
        var s = Substring(text)
        if s.uppercased().hasPrefix("UTC") || s.uppercased().hasPrefix("GMT") { s = s.dropFirst(3) }
        guard let sign = s.first, sign == "+" || sign == "-" else { return nil }
        let body = s.dropFirst()
        let parts: [Substring]
        if body.contains(":") {
            parts = body.split(separator: ":", omittingEmptySubsequences: false)
        } else if body.count == 4 {
            parts = [body.prefix(2), body.suffix(2)]
        } else {
            parts = [body]
        }
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let h = Int(parts[0]), h <= 14 else { return nil }
        let m = parts.count > 1 ? Int(parts[1]) ?? 60 : 0
        guard m < 60 else { return nil }
        return TimeZone(secondsFromGMT: (sign == "-" ? -1 : 1) * (h * 3600 + m * 60))
    }

    /// The zone's name for output: "Europe/Berlin", "UTC" (Foundation on Linux names UTC "GMT", which a
    /// user who asked for UTC would not recognise).
    package static func name(_ zone: TimeZone) -> String { zone.identifier == "GMT" ? "UTC" : zone.identifier }
}
