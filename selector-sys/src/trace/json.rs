//! The little JSON the Chrome trace needs, written by hand: strings with correct escaping, and
//! microsecond timestamps from nanoseconds.

use std::fmt::Write;

/// Appends `s` as a JSON string literal (RFC 8259 §7): quotes and backslashes escaped, every
/// control character below U+0020 escaped (by its short form where JSON has one), everything
/// else — including non-ASCII such as `µ` or `→` — written as UTF-8, which JSON allows.
pub(crate) fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends a duration or timestamp given in nanoseconds as microseconds with three decimals
/// (the unit of Chrome's `ts` and `dur`), so sub-microsecond syscalls keep a visible length.
pub(crate) fn micros(out: &mut String, ns: u64) {
    let _ = write!(out, "{}.{:03}", ns / 1000, ns % 1000);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(s: &str) -> String {
        let mut out = String::new();
        string(&mut out, s);
        out
    }

    #[test]
    fn escapes() {
        assert_eq!(quoted("plain"), r#""plain""#);
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quoted("l1\nl2\r\t"), r#""l1\nl2\r\t""#);
        assert_eq!(quoted("\u{0}\u{1f}\u{8}\u{c}"), r#""\u0000\u001f\b\f""#);
        assert_eq!(quoted("7µs → ok"), "\"7µs → ok\"");
        assert_eq!(quoted("\u{7f}"), "\"\u{7f}\"");
    }

    #[test]
    fn micro_format() {
        let mut out = String::new();
        micros(&mut out, 1_234_567);
        out.push(' ');
        micros(&mut out, 5);
        assert_eq!(out, "1234.567 0.005");
    }
}
