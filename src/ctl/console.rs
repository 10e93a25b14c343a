//! Where a command's text goes and where its answers come from: stdout,
//! stderr and stdin for the real program, buffers in tests. Also reads a
//! line while watching a Ctrl-C flag (for `fg`), and passwords without echo.

use std::io::{self, BufRead, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// How an interruptible line read ended.
#[derive(Debug, PartialEq, Eq)]
pub enum LineRead {
    Line(String),
    Eof,
    Interrupted,
}

/// The terminal, as commands use it.
pub trait Console {
    /// Writes text to stdout (the caller supplies newlines).
    fn out(&mut self, text: &str);
    /// Writes text to stderr.
    fn err(&mut self, text: &str);
    /// A writer onto stdout that another thread can own (tail streams).
    fn stream_out(&self) -> Box<dyn Write + Send>;
    /// Python's `input(prompt)`: None at end of input.
    fn read_line(&mut self, prompt: &str) -> Option<String>;
    /// Python's `getpass(prompt)`.
    fn read_password(&mut self, prompt: &str) -> Option<String>;
    /// A line from stdin, giving up when `stop` is raised.
    fn read_line_until(&mut self, stop: &AtomicBool) -> LineRead;
}

/// The process's real stdin/stdout/stderr.
pub struct StdConsole {
    pending: Vec<u8>,
}

impl StdConsole {
    pub fn new() -> StdConsole {
        StdConsole { pending: Vec::new() }
    }
}

impl Default for StdConsole {
    fn default() -> Self {
        Self::new()
    }
}

struct StdoutWriter;

impl Write for StdoutWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = io::stdout().lock();
        out.write_all(buf)?;
        out.flush()?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        io::stdout().flush()
    }
}

impl Console for StdConsole {
    fn out(&mut self, text: &str) {
        let mut out = io::stdout().lock();
        // A closed stdout (e.g. `| head`) must not turn into a panic.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    fn err(&mut self, text: &str) {
        let _ = io::stderr().write_all(text.as_bytes());
    }

    fn stream_out(&self) -> Box<dyn Write + Send> {
        Box::new(StdoutWriter)
    }

    fn read_line(&mut self, prompt: &str) -> Option<String> {
        self.out(prompt);
        if !self.pending.is_empty() {
            if let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=i).collect();
                return Some(String::from_utf8_lossy(&line[..line.len() - 1]).into_owned());
            }
        }
        let mut line = std::mem::take(&mut self.pending);
        match io::stdin().lock().read_until(b'\n', &mut line) {
            Ok(0) if line.is_empty() => None,
            Ok(_) => {
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                Some(String::from_utf8_lossy(&line).into_owned())
            }
            Err(_) => None,
        }
    }

    fn read_password(&mut self, prompt: &str) -> Option<String> {
        read_password_from_tty(prompt).or_else(|| self.read_line(prompt))
    }

    fn read_line_until(&mut self, stop: &AtomicBool) -> LineRead {
        loop {
            if let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=i).collect();
                return LineRead::Line(String::from_utf8_lossy(&line[..line.len() - 1]).into_owned());
            }
            if stop.load(Ordering::SeqCst) {
                return LineRead::Interrupted;
            }
            let mut fds = [libc::pollfd { fd: 0, events: libc::POLLIN, revents: 0 }];
            // SAFETY: fds is a valid array of one pollfd for the call's duration.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 1, 100) };
            if n <= 0 {
                continue;
            }
            let mut buf = [0u8; 4096];
            // SAFETY: buf is valid for writes of its length; fd 0 is stdin.
            let got = unsafe { libc::read(0, buf.as_mut_ptr() as *mut libc::c_void, buf.len()) };
            if got < 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return LineRead::Eof;
            }
            if got == 0 {
                if self.pending.is_empty() {
                    return LineRead::Eof;
                }
                let line = std::mem::take(&mut self.pending);
                return LineRead::Line(String::from_utf8_lossy(&line).into_owned());
            }
            self.pending.extend_from_slice(&buf[..got as usize]);
        }
    }
}

/// Reads a password from /dev/tty with echo off, as getpass does; None
/// when there is no terminal.
fn read_password_from_tty(prompt: &str) -> Option<String> {
    use nix::sys::termios::{self, LocalFlags, SetArg};
    let mut tty = std::fs::OpenOptions::new().read(true).write(true).open("/dev/tty").ok()?;
    let saved = termios::tcgetattr(&tty).ok()?;
    let mut quiet = saved.clone();
    quiet.local_flags.remove(LocalFlags::ECHO);
    // Echo goes off before the prompt shows, so nothing typed after the
    // prompt can be echoed (or flushed away), as getpass does it.
    termios::tcsetattr(&tty, SetArg::TCSAFLUSH, &quiet).ok()?;
    let _ = tty.write_all(prompt.as_bytes());
    let _ = tty.flush();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while let Ok(1) = tty.read(&mut byte) {
        if byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
    }
    let _ = termios::tcsetattr(&tty, SetArg::TCSAFLUSH, &saved);
    let _ = tty.write_all(b"\n");
    Some(String::from_utf8_lossy(&line).into_owned())
}

/// A console over in-memory buffers, for tests.
#[derive(Clone, Default)]
pub struct BufferConsole {
    pub stdout: Arc<Mutex<Vec<u8>>>,
    pub stderr: Arc<Mutex<Vec<u8>>>,
    pub input: Arc<Mutex<Vec<String>>>,
}

struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl BufferConsole {
    pub fn stdout_text(&self) -> String {
        self.stdout.lock().map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default()
    }
    pub fn stderr_text(&self) -> String {
        self.stderr.lock().map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default()
    }
    fn next_input(&mut self) -> Option<String> {
        let mut input = self.input.lock().ok()?;
        if input.is_empty() {
            None
        } else {
            Some(input.remove(0))
        }
    }
}

impl Console for BufferConsole {
    fn out(&mut self, text: &str) {
        if let Ok(mut v) = self.stdout.lock() {
            v.extend_from_slice(text.as_bytes());
        }
    }
    fn err(&mut self, text: &str) {
        if let Ok(mut v) = self.stderr.lock() {
            v.extend_from_slice(text.as_bytes());
        }
    }
    fn stream_out(&self) -> Box<dyn Write + Send> {
        Box::new(SharedWriter(self.stdout.clone()))
    }
    fn read_line(&mut self, prompt: &str) -> Option<String> {
        self.out(prompt);
        self.next_input()
    }
    fn read_password(&mut self, prompt: &str) -> Option<String> {
        self.out(prompt);
        self.next_input()
    }
    fn read_line_until(&mut self, _stop: &AtomicBool) -> LineRead {
        match self.next_input() {
            Some(l) => LineRead::Line(l),
            None => LineRead::Eof,
        }
    }
}
