//! Capture mode for one output channel of a child, as 4.3.0's
//! POutputDispatcher does it: text between `<!--XSUPERVISOR:BEGIN-->` and
//! `<!--XSUPERVISOR:END-->` is collected (bounded by *_capture_maxbytes) and
//! becomes one PROCESS_COMMUNICATION event; everything else is ordinary
//! output. With capture_maxbytes=0 tokens are not looked for at all.
//!
//! The supervisor feeds each read into `OutputCapture::feed` and acts on the
//! items in order. `Data` is what supervisord passes to its per-channel log
//! step: written to the channel's log file unless captured, logged to the
//! main log at DEBG (`output_log_message`), and published as PROCESS_LOG_*
//! when *_events_enabled. `Comm` is a finished capture: publish
//! PROCESS_COMMUNICATION_* and log `comm_event_log_message` at DEBG.

use super::pyfmt::{decode_or_undecodable, str_repr};
use crate::supervisor::Channel;

pub const BEGIN_TOKEN: &[u8] = b"<!--XSUPERVISOR:BEGIN-->";
pub const END_TOKEN: &[u8] = b"<!--XSUPERVISOR:END-->";

/// One thing to do with a child's output, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputItem {
    /// Output data (ANSI escapes already stripped when strip_ansi is on).
    /// `captured`: it is part of a capture, so it does not go to the
    /// channel's log file (it still goes to the main log and log events).
    Data { bytes: Vec<u8>, captured: bool },
    /// A finished capture: the body of a PROCESS_COMMUNICATION event.
    Comm(Vec<u8>),
}

/// Capture state of one channel of one process.
#[derive(Debug, Clone)]
pub struct OutputCapture {
    capture_maxbytes: usize,
    strip_ansi: bool,
    capturing: bool,
    pending: Vec<u8>,
    captured: Vec<u8>,
}

impl OutputCapture {
    pub fn new(capture_maxbytes: u64, strip_ansi: bool) -> OutputCapture {
        OutputCapture {
            capture_maxbytes: usize::try_from(capture_maxbytes).unwrap_or(usize::MAX),
            strip_ansi,
            capturing: false,
            pending: Vec::new(),
            captured: Vec::new(),
        }
    }

    /// True while between a BEGIN and an END token.
    pub fn capturing(&self) -> bool {
        self.capturing
    }

    /// Handles bytes read from the channel.
    pub fn feed(&mut self, data: &[u8]) -> Vec<OutputItem> {
        let mut items = Vec::new();
        self.pending.extend_from_slice(data);
        self.record(&mut items);
        items
    }

    /// The channel reached end of file. supervisord 4.3.0 silently loses
    /// output shorter than a token that was held back looking for one; we
    /// log it instead.
    pub fn finish(&mut self) -> Vec<OutputItem> {
        let mut items = Vec::new();
        let rest = std::mem::take(&mut self.pending);
        self.log(rest, &mut items);
        items
    }

    fn record(&mut self, items: &mut Vec<OutputItem>) {
        loop {
            if self.capture_maxbytes == 0 {
                let data = std::mem::take(&mut self.pending);
                self.log(data, items);
                return;
            }
            let token = if self.capturing { END_TOKEN } else { BEGIN_TOKEN };
            if self.pending.len() <= token.len() {
                return; // not enough data to decide
            }
            let mut data = std::mem::take(&mut self.pending);
            match find(&data, token) {
                None => {
                    let keep = prefix_at_end(&data, token);
                    if keep > 0 {
                        self.pending = data.split_off(data.len() - keep);
                    }
                    self.log(data, items);
                    return;
                }
                Some(pos) => {
                    let after = data.split_off(pos + token.len());
                    data.truncate(pos);
                    self.log(data, items);
                    self.toggle(items);
                    self.pending = after;
                    if self.pending.is_empty() {
                        return;
                    }
                }
            }
        }
    }

    fn log(&mut self, data: Vec<u8>, items: &mut Vec<OutputItem>) {
        if data.is_empty() {
            return;
        }
        let data = if self.strip_ansi { strip_escapes(&data) } else { data };
        if self.capturing {
            bound_write(&mut self.captured, self.capture_maxbytes, &data);
        }
        items.push(OutputItem::Data { bytes: data, captured: self.capturing });
    }

    fn toggle(&mut self, items: &mut Vec<OutputItem>) {
        self.capturing = !self.capturing;
        if !self.capturing {
            items.push(OutputItem::Comm(std::mem::take(&mut self.captured)));
        }
    }
}

/// The capture buffer's write rule (4.3.0's BoundIO): when the write would
/// pass the limit, as many bytes as are written are dropped from the front.
fn bound_write(buf: &mut Vec<u8>, maxbytes: usize, data: &[u8]) {
    if buf.len() + data.len() > maxbytes {
        let drop = data.len().min(buf.len());
        buf.drain(..drop);
    }
    buf.extend_from_slice(data);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How many bytes at the end of `haystack` are a proper prefix of `needle`.
fn prefix_at_end(haystack: &[u8], needle: &[u8]) -> usize {
    let mut l = needle.len() - 1;
    while l > 0 && !haystack.ends_with(&needle[..l]) {
        l -= 1;
    }
    l
}

/// Removes ANSI escape sequences (`ESC [` up to a terminator letter), as
/// supervisord's strip_ansi does.
pub fn strip_escapes(s: &[u8]) -> Vec<u8> {
    const TERMINATORS: &[u8] = b"HfABCDRsuJKhlpm";
    let mut out = Vec::with_capacity(s.len());
    let mut show = true;
    let mut i = 0;
    while i < s.len() {
        if !show && TERMINATORS.contains(&s[i]) {
            show = true;
        } else if show {
            match find(&s[i..], b"\x1b[") {
                None => {
                    out.extend_from_slice(&s[i..]);
                    return out;
                }
                Some(off) => {
                    out.extend_from_slice(&s[i..i + off]);
                    i += off;
                    show = false;
                }
            }
        }
        i += 1;
    }
    out
}

/// The main-log DEBG message for child output: `'name' stdout output:\n...`.
pub fn output_log_message(process: &str, channel: Channel, data: &[u8]) -> String {
    format!("{} {} output:\n{}", str_repr(process), channel.as_str(), decode_or_undecodable(data))
}

/// The main-log DEBG message after a capture: `'name' stdout emitted a comm event`.
pub fn comm_event_log_message(process: &str, channel: Channel) -> String {
    format!("{} {} emitted a comm event", str_repr(process), channel.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(b: &[u8], captured: bool) -> OutputItem {
        OutputItem::Data { bytes: b.to_vec(), captured }
    }

    #[test]
    fn capture_in_one_read_matches_4_3_0() {
        // The same line 4.3.0 was run with: " tail\n" is shorter than the
        // BEGIN token, so it is held back.
        let mut c = OutputCapture::new(1000, false);
        let items = c.feed(b"hello <!--XSUPERVISOR:BEGIN-->cap data<!--XSUPERVISOR:END--> tail\n");
        assert_eq!(items, vec![data(b"hello ", false), data(b"cap data", true), OutputItem::Comm(b"cap data".to_vec())]);
        assert_eq!(c.finish(), vec![data(b" tail\n", false)]);
    }

    #[test]
    fn tokens_split_across_reads() {
        let mut c = OutputCapture::new(1000, false);
        let mut items = Vec::new();
        for chunk in [&b"abc<!--XSUPER"[..], b"VISOR:BEGIN-->xy", b"z<!--XSUPERVISOR:E", b"ND-->after the end\n"] {
            items.extend(c.feed(chunk));
        }
        // Data no longer than the awaited token is held back, as in 4.3.0.
        assert_eq!(items, vec![data(b"abc", false), data(b"xyz", true), OutputItem::Comm(b"xyz".to_vec())]);
        assert_eq!(c.feed(b"and more than a token's length"), vec![data(b"after the end\nand more than a token's length", false)]);
    }

    #[test]
    fn no_capture_when_maxbytes_zero() {
        let mut c = OutputCapture::new(0, false);
        let line = b"<!--XSUPERVISOR:BEGIN-->x<!--XSUPERVISOR:END-->";
        assert_eq!(c.feed(line), vec![data(line, false)]);
        assert_eq!(c.feed(b"a"), vec![data(b"a", false)]);
    }

    #[test]
    fn capture_bounded_like_boundio() {
        let mut c = OutputCapture::new(5, false);
        let mut items = c.feed(&[b"<!--XSUPERVISOR:BEGIN-->".as_slice(), &[b'a'; 30]].concat());
        items.extend(c.feed(&[b'b'; 30]));
        // Exactly the END token is not enough data: 4.3.0 waits for more.
        items.extend(c.feed(b"<!--XSUPERVISOR:END-->"));
        assert!(!items.iter().any(|i| matches!(i, OutputItem::Comm(_))));
        items.extend(c.feed(b"\n"));
        // BoundIO: the second 30-byte write overflows the limit, drops 30
        // bytes from the front and appends all 30.
        let comm = items.iter().find_map(|i| match i { OutputItem::Comm(b) => Some(b.clone()), _ => None });
        assert_eq!(comm.unwrap(), vec![b'b'; 30]);
    }

    #[test]
    fn strip_ansi() {
        assert_eq!(strip_escapes(b"a\x1b[31mred\x1b[0m b"), b"ared b".to_vec());
        assert_eq!(strip_escapes(b"plain"), b"plain".to_vec());
        assert_eq!(output_log_message("cat", Channel::Stdout, b"x\xff"), "'cat' stdout output:\nUndecodable: b'x\\xff'");
        assert_eq!(comm_event_log_message("cat", Channel::Stderr), "'cat' stderr emitted a comm event");
    }
}
