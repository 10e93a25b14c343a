//! `strip_ansi=true`: removing ANSI escape sequences from child output the
//! way 4.3.0 does, one chunk at a time: from each `ESC [` up to and
//! including the next byte among `HfABCDRsuJKhlpm`. A sequence still open at
//! the end of a chunk drops the rest of that chunk; the next chunk starts
//! fresh (4.3.0 keeps no state between chunks).

const TERMINATORS: &[u8] = b"HfABCDRsuJKhlpm";

/// Returns `data` without its ANSI escape sequences.
pub fn strip_ansi(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        match find_escape(&data[i..]) {
            None => {
                out.extend_from_slice(&data[i..]);
                break;
            }
            Some(n) => {
                out.extend_from_slice(&data[i..i + n]);
                // Skip the ESC, then everything up to and including a
                // terminator; the search starts at the `[`.
                let mut j = i + n + 1;
                while j < data.len() && !TERMINATORS.contains(&data[j]) {
                    j += 1;
                }
                i = j + 1;
            }
        }
    }
    out
}

fn find_escape(data: &[u8]) -> Option<usize> {
    data.windows(2).position(|w| w == b"\x1b[")
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn strips_like_4_3_0() {
        assert_eq!(strip_ansi(b"plain"), b"plain");
        assert_eq!(strip_ansi(b"\x1b[31mred\x1b[0m done"), b"red done");
        assert_eq!(strip_ansi(b"a\x1b[2Jb\x1b[1;1Hc"), b"abc");
        assert_eq!(strip_ansi(b"open \x1b[31"), b"open ");
        assert_eq!(strip_ansi(b"lone \x1b x"), b"lone \x1b x");
        assert_eq!(strip_ansi(b""), b"");
    }
}
