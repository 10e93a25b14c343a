//! URL query and `application/x-www-form-urlencoded` parsing and quoting,
//! matching what Python's urllib does for supervisord's pages.

/// Decodes `%XX` escapes and `+` (as space); invalid escapes stay as text.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Quotes like Python's `urllib.parse.quote` (safe: `/` and unreserved).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Parses `a=1&b=2` into pairs; a repeated key keeps its first value
/// (supervisord ignores duplicates the same way).
pub fn parse_form(s: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for part in s.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        if !out.iter().any(|(ek, _)| *ek == k) {
            out.push((k, v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_plus() {
        assert_eq!(percent_decode("a%20b+c%3Ad"), "a b c:d");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%e2%82%ac"), "\u{20ac}");
    }

    #[test]
    fn encodes_like_python_quote() {
        assert_eq!(percent_encode("Process foo:bar started"), "Process%20foo%3Abar%20started");
        assert_eq!(percent_encode("a/b"), "a/b");
        assert_eq!(percent_encode("<x>"), "%3Cx%3E");
    }

    #[test]
    fn first_duplicate_wins() {
        let f = parse_form("action=stop&processname=a%3Ab&action=start");
        assert_eq!(f, vec![("action".into(), "stop".into()), ("processname".into(), "a:b".into())]);
    }
}
