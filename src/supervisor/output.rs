//! Child pipes. One hub task watches every child's output pipes through an
//! epoll set of its own and writes the bytes straight into each channel's
//! log file, so heavy output never passes through the supervisor task, and
//! a quiet child costs one table entry instead of a task, a channel and a
//! runtime registration per pipe (~2.5 KiB per process before). Bytes go to
//! the supervisor too only when something needs them (main log at debug
//! level, web UI subscribers, events, capture mode, the eventlistener
//! protocol); when nothing does, they are spliced from the pipe into the
//! file without a copy through userspace, and a pipe with a sustained
//! writer is grown so it wakes us less often, and emptied through a relay
//! pipe of ours so the writer is not held up while its bytes are copied
//! into the page cache. A writer task per child feeds
//! its stdin, started only when a write does not fit in the pipe.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::unix::AsyncFd;
use tokio::sync::mpsc;

use crate::logs::rotating::RotatingFile;
use crate::supervisor::handle::Channel;

/// One channel's log file, shared by the pipe hub (writes) and the
/// supervisor (clear, reopen). None while the process is not running or
/// when the channel is not logged to a file.
pub type ChannelLog = Arc<Mutex<Option<RotatingFile>>>;

/// What the reader does with the bytes it reads.
#[derive(Debug, Clone)]
pub struct ReaderMode {
    /// Send every byte to the supervisor and write nothing itself (capture
    /// mode and eventlistener stdout: the supervisor decides what to log).
    pub routed: bool,
    /// Also send a copy of what it logs (events enabled for this channel).
    pub copy: bool,
    /// [supervisord] strip_ansi.
    pub strip_ansi: bool,
    /// `*_syslog=true`: also send lines to syslog under this process name.
    pub syslog_name: Option<Box<str>>,
}

/// Messages from pipe tasks to the supervisor.
#[derive(Debug)]
pub enum PipeEvent {
    /// Bytes a process wrote (only when forwarding is wanted).
    Output { serial: u64, channel: Channel, data: Vec<u8> },
    /// The reader is finished (EOF, or drained after the process exited).
    ReaderDone { serial: u64, channel: Channel },
}

/// The supervisor's handle on the pipe hub. The hub task starts on first
/// use (inside the runtime) and ends when every handle is gone.
#[derive(Debug)]
pub struct PipeHub {
    shared: HubShared,
    cmds: std::sync::OnceLock<mpsc::UnboundedSender<HubCmd>>,
}

/// What every watched pipe reports to: held once by the hub, not by each
/// pipe's entry (2000 entries are 32 bytes smaller each).
#[derive(Debug, Clone)]
struct HubShared {
    events: mpsc::UnboundedSender<PipeEvent>,
    /// A copy of all output is wanted (debug main log, web UI subscribers).
    copy_all: Arc<AtomicBool>,
}

/// What the supervisor asks of the hub.
enum HubCmd {
    /// Watch a new pipe until EOF or until drained.
    Watch { fd: OwnedFd, sink: Sink },
    /// The process is gone: read what is left in the pipe, then finish it.
    /// `serial`/`channel` guard against a reused fd number.
    Drain { fd: RawFd, serial: u64, channel: Channel },
}

impl std::fmt::Debug for HubCmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HubCmd::Watch { fd, sink } => write!(f, "Watch({}, {})", fd.as_raw_fd(), sink.serial),
            HubCmd::Drain { fd, serial, .. } => write!(f, "Drain({fd}, {serial})"),
        }
    }
}

impl PipeHub {
    /// A hub reporting to the supervisor through `events`; `copy_all` is
    /// the shared switch asking every pipe for a copy of its output.
    pub fn new(events: mpsc::UnboundedSender<PipeEvent>, copy_all: Arc<AtomicBool>) -> PipeHub {
        PipeHub { shared: HubShared { events, copy_all }, cmds: std::sync::OnceLock::new() }
    }

    fn cmds(&self) -> &mpsc::UnboundedSender<HubCmd> {
        self.cmds.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(hub_task(rx, self.shared.clone()));
            tx
        })
    }
}

/// The supervisor's end of one watched pipe (8 bytes: it is kept inline
/// for every running process; the serial is the process's own).
#[derive(Debug, Clone, Copy)]
pub struct ReaderHandle {
    fd: RawFd,
    channel: Channel,
}

impl ReaderHandle {
    /// Asks the hub to read what is left in the pipe of the process run
    /// `serial`, then finish it. Ignored if it already finished (its
    /// ReaderDone is on the way).
    pub fn drain(&self, hub: &PipeHub, serial: u64) {
        let _ = hub.cmds().send(HubCmd::Drain { fd: self.fd, serial, channel: self.channel });
    }
}

fn set_nonblocking(fd: RawFd) {
    crate::sys::set_fd_flag(fd, libc::O_NONBLOCK, true);
}

fn read_fd(fd: RawFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: buf is valid for buf.len() bytes.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Hands one output pipe to the hub.
pub fn start_reader(
    serial: u64,
    channel: Channel,
    fd: OwnedFd,
    log: ChannelLog,
    mode: ReaderMode,
    hub: &PipeHub,
) -> ReaderHandle {
    set_nonblocking(fd.as_raw_fd());
    let cmds = hub.cmds();
    let raw = fd.as_raw_fd();
    let sink = Sink { serial, channel, log, mode, no_splice: false, full_reads: 0, grown: false, relay: None };
    if let Err(mpsc::error::SendError(HubCmd::Watch { sink, .. })) = cmds.send(HubCmd::Watch { fd, sink }) {
        // The hub is gone (runtime shutting down): nothing will read this pipe.
        sink.done(&hub.shared);
    }
    ReaderHandle { fd: raw, channel }
}

/// An epoll instance of the hub's own; the runtime watches it as one fd.
struct Epoll(OwnedFd);

impl AsRawFd for Epoll {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl Epoll {
    fn new() -> io::Result<Epoll> {
        // SAFETY: plain syscall; the fd is owned on success.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        set_nonblocking(fd);
        // SAFETY: fd was just created and is ours.
        Ok(Epoll(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) }))
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd) -> io::Result<()> {
        // Level-triggered: a pipe left with data (budget used up) is reported again.
        let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: fd as u64 };
        // SAFETY: ev is a valid epoll_event for the call's duration.
        if unsafe { libc::epoll_ctl(self.0.as_raw_fd(), op, fd, &mut ev) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Ready pipes now, without blocking.
    fn ready(&self, out: &mut [libc::epoll_event]) -> usize {
        // SAFETY: out is valid for out.len() events.
        let n = unsafe { libc::epoll_wait(self.0.as_raw_fd(), out.as_mut_ptr(), out.len() as libc::c_int, 0) };
        n.max(0) as usize
    }
}

/// One watched pipe: its read end (closed when the entry drops) and where
/// its bytes go.
struct Watched {
    fd: OwnedFd,
    sink: Sink,
}

/// The watched pipes by fd number. Fds are small dense integers, so a
/// vector indexed by fd is 8 bytes per fd below the highest one, where a
/// hash map of 2000 pipes had 4096 buckets of 16 bytes (64 KiB). Boxed
/// entries keep the slots small.
#[derive(Default)]
struct FdTable(Vec<Option<Box<Watched>>>);

impl FdTable {
    fn insert(&mut self, fd: RawFd, w: Box<Watched>) {
        let i = fd as usize;
        if i >= self.0.len() {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i] = Some(w);
    }

    fn get_mut(&mut self, fd: RawFd) -> Option<&mut Box<Watched>> {
        self.0.get_mut(usize::try_from(fd).ok()?)?.as_mut()
    }

    fn remove(&mut self, fd: RawFd) -> Option<Box<Watched>> {
        self.0.get_mut(usize::try_from(fd).ok()?)?.take()
    }
}

/// Reads at most this many chunks from one pipe per turn, so one child
/// writing without pause cannot starve the others.
const TURN_READS: usize = 16;

async fn hub_task(mut cmds: mpsc::UnboundedReceiver<HubCmd>, shared: HubShared) {
    // SAFETY: the Epoll owns its fd, which stays open until the AsyncFd drops.
    let epoll = Epoll::new()
        .and_then(|e| unsafe { AsyncFd::register_with_interest(e, tokio::io::Interest::READABLE) }.map_err(io::Error::from));
    let epoll = match epoll {
        Ok(e) => e,
        Err(_) => {
            // Without an epoll set nothing can be watched (out of fds):
            // finish every pipe at once so no process waits for its readers.
            while let Some(cmd) = cmds.recv().await {
                if let HubCmd::Watch { sink, .. } = cmd {
                    sink.done(&shared);
                }
            }
            return;
        }
    };
    let mut pipes = FdTable::default();
    let mut ready = vec![libc::epoll_event { events: 0, u64: 0 }; 64];
    let finish = |pipes: &mut FdTable, fd: RawFd| {
        if let Some(w) = pipes.remove(fd) {
            let _ = epoll.get_ref().ctl(libc::EPOLL_CTL_DEL, fd);
            drop(w.fd);
            w.sink.done(&shared);
        }
    };
    loop {
        tokio::select! {
            biased;
            cmd = cmds.recv() => match cmd {
                // Every handle is gone: the supervisor has finished.
                None => break,
                Some(HubCmd::Watch { fd, sink }) => {
                    let raw = fd.as_raw_fd();
                    if epoll.get_ref().ctl(libc::EPOLL_CTL_ADD, raw).is_err() {
                        sink.done(&shared);
                        continue;
                    }
                    pipes.insert(raw, Box::new(Watched { fd, sink }));
                }
                Some(HubCmd::Drain { fd, serial, channel }) => {
                    let Some(w) = pipes.get_mut(fd) else { continue };
                    if w.sink.serial != serial || w.sink.channel != channel {
                        continue;
                    }
                    // The process is gone: everything it wrote is already in the pipe.
                    read_available(fd, &mut w.sink, usize::MAX, &shared);
                    finish(&mut pipes, fd);
                }
            },
            guard = epoll.readable() => {
                let Ok(mut guard) = guard else { break };
                let n = epoll.get_ref().ready(&mut ready);
                if n == 0 {
                    guard.clear_ready();
                    continue;
                }
                for ev in &ready[..n] {
                    let fd = ev.u64 as RawFd;
                    let Some(w) = pipes.get_mut(fd) else { continue };
                    if let PipeRead::Closed = read_available(fd, &mut w.sink, TURN_READS, &shared) {
                        finish(&mut pipes, fd);
                    }
                }
                // Let the supervisor and the servers run between turns.
                tokio::task::yield_now().await;
            }
        }
    }
}

/// How far `read_available` got.
enum PipeRead {
    /// Nothing more to read for now (EAGAIN).
    Empty,
    /// The turn's budget is used up; more may be waiting.
    More,
    /// End of file or a read error: the pipe is finished.
    Closed,
}

/// Bytes read per read(2): the default pipe capacity.
const READ_CHUNK: usize = 64 * 1024;

/// Capacity a busy pipe is grown to: a sustained writer then wakes us
/// about once per 256 KiB instead of per 64 KiB. Larger was measured to
/// cost more CPU, not less: the bytes must still be in the cache when
/// they are copied into the file (1 MiB: +15% CPU per GiB).
const BUSY_PIPE_SIZE: usize = 256 * 1024;

/// Consecutive full reads (the whole default pipe at once) after which a
/// pipe counts as busy and is grown.
const BUSY_AFTER_FULL_READS: u32 = 8;

/// At most this many grown pipes at a time: grown pipes count against the
/// user's pipe-user-pages-soft (16384 pages by default), and past it the
/// kernel gives every new pipe (every child we spawn) a tiny buffer.
/// 64 x 256 KiB, plus as much again for their relays, is half of that.
const MAX_GROWN_PIPES: usize = 64;

static GROWN_PIPES: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// One read buffer per thread for the pipe hub, never held across an
    /// await: 1000 quiet children cost no buffers at all (a buffer per
    /// reader was 128 KiB per process).
    static READ_BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads until the pipe is empty (EAGAIN) or closed, or `max_reads` chunks
/// were read, handing each chunk to `sink`. While nobody needs the bytes in
/// memory they are spliced from the pipe straight into the log file
/// instead; the choice is made again for every chunk, so a copy switched on
/// mid-stream (debug log level, a subscriber) gets every byte after that
/// point, and each byte is taken out of the pipe, and logged, exactly once.
fn read_available(fd: RawFd, sink: &mut Sink, max_reads: usize, shared: &HubShared) -> PipeRead {
    let mut reads = 0;
    loop {
        if reads == max_reads {
            return PipeRead::More;
        }
        reads += 1;
        if sink.log_only(shared) {
            match sink.splice(fd, shared) {
                Spliced::Moved(n) => {
                    sink.note_read(fd, n);
                    continue;
                }
                Spliced::Empty => return PipeRead::Empty,
                Spliced::Closed => return PipeRead::Closed,
                // Take this chunk through memory instead.
                Spliced::NotHere => {}
            }
        }
        let got = READ_BUF.with(|cell| {
            let mut buf = cell.borrow_mut();
            if buf.len() < READ_CHUNK {
                buf.resize(READ_CHUNK, 0);
            }
            loop {
                match read_fd(fd, &mut buf) {
                    Ok(0) => return Err(PipeRead::Closed),
                    Ok(n) => {
                        sink.take(&buf[..n], shared);
                        return Ok(n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(PipeRead::Empty),
                    Err(_) => return Err(PipeRead::Closed),
                }
            }
        });
        match got {
            Ok(n) => sink.note_read(fd, n),
            Err(end) => return end,
        }
    }
}

/// What one splice attempt did.
enum Spliced {
    /// Moved this many bytes into the log file.
    Moved(usize),
    /// The pipe is empty for now.
    Empty,
    /// End of file: the child closed its end and the pipe is empty.
    Closed,
    /// No splice for this chunk (no file, special file, an error such as a
    /// full disk): read it instead.
    NotHere,
}

struct Sink {
    serial: u64,
    channel: Channel,
    log: ChannelLog,
    mode: ReaderMode,
    /// splice(2) failed with EINVAL here once (a filesystem without splice
    /// support): don't try again for this pipe.
    no_splice: bool,
    /// Consecutive reads that emptied a full default-sized pipe.
    full_reads: u32,
    /// This pipe was grown to BUSY_PIPE_SIZE (counted in GROWN_PIPES).
    grown: bool,
    /// A grown pipe's relay (see `splice_relayed`); None if it could not
    /// be made, and then the pipe is spliced straight into the file.
    relay: Option<Relay>,
}

/// A private pipe between a busy child pipe and its log file. It is empty
/// between splices.
struct Relay {
    read: OwnedFd,
    write: OwnedFd,
}

impl Relay {
    fn new() -> Option<Relay> {
        let (read, write) = crate::sys::pipe(libc::O_CLOEXEC | libc::O_NONBLOCK).ok()?;
        // The relay must take a whole splice of the child's pipe at once.
        // SAFETY: plain fcntl on our own pipe.
        if unsafe { libc::fcntl(write.as_raw_fd(), libc::F_SETPIPE_SZ, BUSY_PIPE_SIZE as libc::c_int) } < 0 {
            return None;
        }
        Some(Relay { read, write })
    }
}

/// Moves up to `len` bytes from one pipe to another without blocking.
fn splice_pipes(from: RawFd, to: RawFd, len: usize) -> io::Result<usize> {
    loop {
        // SAFETY: plain syscall on two open pipes.
        let n = unsafe {
            libc::splice(from, std::ptr::null_mut(), to, std::ptr::null_mut(), len, libc::SPLICE_F_NONBLOCK | libc::SPLICE_F_MOVE)
        };
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

impl Sink {
    /// Tells the supervisor this pipe is finished (everything read).
    fn done(&self, shared: &HubShared) {
        let _ = shared.events.send(PipeEvent::ReaderDone { serial: self.serial, channel: self.channel });
    }

    /// Nobody needs the bytes in memory: they only go to the log file.
    fn log_only(&self, shared: &HubShared) -> bool {
        let m = &self.mode;
        !self.no_splice
            && !m.routed
            && !m.copy
            && !m.strip_ansi
            && m.syslog_name.is_none()
            && !shared.copy_all.load(Ordering::Relaxed)
    }

    /// Splices what the pipe holds (up to its capacity) into the log file.
    fn splice(&mut self, fd: RawFd, shared: &HubShared) -> Spliced {
        if self.relay.is_some() {
            return self.splice_relayed(fd, shared);
        }
        let Ok(mut guard) = self.log.lock() else { return Spliced::NotHere };
        let Some(file) = guard.as_mut() else { return Spliced::NotHere };
        let max = if self.grown { BUSY_PIPE_SIZE } else { READ_CHUNK };
        match file.splice_from(fd, max) {
            Ok(0) => Spliced::Closed,
            Ok(n) => Spliced::Moved(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Spliced::Empty,
            Err(e) => {
                if e.kind() == io::ErrorKind::Unsupported && !file.is_special() {
                    self.no_splice = true;
                }
                Spliced::NotHere
            }
        }
    }

    /// A busy pipe's splice in two steps: the bytes are first moved into
    /// our relay pipe (pipe to pipe moves page references, no copy, so the
    /// child's pipe is locked only for a moment), then copied from the relay
    /// into the file. Splicing the child's pipe straight into the file keeps
    /// that pipe locked for the whole page-cache copy, and a fast writer
    /// spent most of its time spinning on the lock (perf: ~60% of its CPU).
    fn splice_relayed(&mut self, fd: RawFd, shared: &HubShared) -> Spliced {
        let Some(relay) = &self.relay else { return Spliced::NotHere };
        let Ok(mut guard) = self.log.lock() else { return Spliced::NotHere };
        let Some(file) = guard.as_mut() else { return Spliced::NotHere };
        let len = match file.splice_len(BUSY_PIPE_SIZE) {
            Ok(len) => len,
            Err(_) => return Spliced::NotHere,
        };
        let moved = match splice_pipes(fd, relay.write.as_raw_fd(), len) {
            Ok(0) => return Spliced::Closed,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Spliced::Empty,
            Err(_) => {
                drop(guard);
                self.relay = None;
                return Spliced::NotHere;
            }
        };
        let mut left = moved;
        while left > 0 {
            match file.splice_from(relay.read.as_raw_fd(), left) {
                Ok(n) if n > 0 => left -= n,
                failed => {
                    // The file refused them (disk full, no splice here):
                    // what is in the relay goes through memory like any
                    // chunk that cannot be spliced.
                    if let Err(e) = failed {
                        if e.kind() == io::ErrorKind::Unsupported && !file.is_special() {
                            self.no_splice = true;
                        }
                    }
                    drop(guard);
                    self.drain_relay(shared);
                    break;
                }
            }
        }
        Spliced::Moved(moved)
    }

    /// Reads whatever is left in the relay and logs it through memory.
    fn drain_relay(&mut self, shared: &HubShared) {
        let Some(relay) = self.relay.take() else { return };
        let mut buf = vec![0u8; READ_CHUNK];
        while let Ok(n) = read_fd(relay.read.as_raw_fd(), &mut buf) {
            if n == 0 {
                break;
            }
            self.take(&buf[..n], shared);
        }
        self.relay = Some(relay);
    }

    /// Grows the pipe once it has been found full several times running.
    fn note_read(&mut self, fd: RawFd, n: usize) {
        if self.grown {
            return;
        }
        if n < READ_CHUNK {
            self.full_reads = 0;
            return;
        }
        self.full_reads += 1;
        if self.full_reads < BUSY_AFTER_FULL_READS {
            return;
        }
        self.full_reads = 0;
        if GROWN_PIPES.fetch_add(1, Ordering::Relaxed) >= MAX_GROWN_PIPES {
            GROWN_PIPES.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        // SAFETY: plain fcntl on the pipe this reader owns. Failure (a
        // lowered pipe-max-size, the user's pipe quota) just keeps the pipe
        // as it is.
        if unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, BUSY_PIPE_SIZE as libc::c_int) } >= 0 {
            self.grown = true;
            self.relay = Relay::new();
        } else {
            GROWN_PIPES.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn take(&mut self, data: &[u8], shared: &HubShared) {
        if self.mode.routed {
            let _ = shared.events.send(PipeEvent::Output {
                serial: self.serial,
                channel: self.channel,
                data: data.to_vec(),
            });
            return;
        }
        let stripped;
        let data = if self.mode.strip_ansi {
            stripped = crate::logs::ansi::strip_ansi(data);
            &stripped[..]
        } else {
            data
        };
        if let Ok(mut guard) = self.log.lock() {
            if let Some(file) = guard.as_mut() {
                // A failing log write (disk full) must not stop the child;
                // 4.3.0 likewise reports and carries on.
                let _ = file.write_all(data);
            }
        }
        if let Some(name) = &self.mode.syslog_name {
            crate::logs::syslog::send_child_output(name, data);
        }
        if self.mode.copy || shared.copy_all.load(Ordering::Relaxed) {
            let _ = shared.events.send(PipeEvent::Output {
                serial: self.serial,
                channel: self.channel,
                data: data.to_vec(),
            });
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if self.grown {
            GROWN_PIPES.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The supervisor's end of a child's stdin. Writes go straight into the
/// pipe while it takes them; the first write that does not fit hands the
/// fd to a shared queue and a writer task for the rest. Most children are
/// never sent anything: they cost this struct and no allocation (a shared
/// queue per child was 72 bytes, a task ~1 KiB). Dropping it closes the
/// pipe, or ends the writer task, which closes it.
#[derive(Debug)]
pub struct StdinWriter {
    /// Owned here until `queue` is set, then by the queue's StdinInner.
    fd: RawFd,
    /// A direct write failed (EPIPE): the child closed its stdin.
    broken: AtomicBool,
    /// The queue and the writer task's wake-up, made on first use.
    queue: std::sync::OnceLock<(Arc<StdinInner>, mpsc::UnboundedSender<()>)>,
}

#[derive(Debug)]
struct StdinInner {
    queue: Mutex<VecDeque<u8>>,
    queued: AtomicUsize,
    broken: AtomicBool,
    fd: OwnedFd,
}

/// Why a stdin write failed.
#[derive(Debug, PartialEq, Eq)]
pub enum StdinError {
    /// The child closed its stdin (EPIPE): supervisord's NO_FILE.
    Closed,
}

fn write_fd(fd: RawFd, data: &[u8]) -> io::Result<usize> {
    // SAFETY: data is valid for data.len() bytes.
    let n = unsafe { libc::write(fd, data.as_ptr() as *const libc::c_void, data.len()) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

impl StdinWriter {
    pub fn start(fd: OwnedFd) -> StdinWriter {
        set_nonblocking(fd.as_raw_fd());
        StdinWriter { fd: fd.into_raw_fd(), broken: AtomicBool::new(false), queue: std::sync::OnceLock::new() }
    }

    /// The queue and its writer task, started on first use.
    fn queue(&self) -> &(Arc<StdinInner>, mpsc::UnboundedSender<()>) {
        self.queue.get_or_init(|| {
            let inner = Arc::new(StdinInner {
                queue: Mutex::new(VecDeque::new()),
                queued: AtomicUsize::new(0),
                broken: AtomicBool::new(false),
                // SAFETY: the fd is ours (see `fd`); from here on only the
                // queue owns it, and Drop no longer closes it.
                fd: unsafe { OwnedFd::from_raw_fd(self.fd) },
            });
            let (wake, wake_rx) = mpsc::unbounded_channel();
            tokio::spawn(stdin_task(inner.clone(), wake_rx));
            (inner, wake)
        })
    }

    /// Writes what the pipe takes now and queues the rest; EPIPE (now or
    /// earlier) is reported as Closed.
    pub fn write(&self, data: &[u8]) -> Result<(), StdinError> {
        let queued = self.queue.get().map(|(w, _)| w);
        if self.broken.load(Ordering::Relaxed) || queued.is_some_and(|w| w.broken.load(Ordering::Relaxed)) {
            return Err(StdinError::Closed);
        }
        let mut rest = data;
        if queued.map_or(true, |w| w.queued.load(Ordering::Acquire) == 0) {
            while !rest.is_empty() {
                match write_fd(self.fd, rest) {
                    Ok(n) => rest = &rest[n..],
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(_) => {
                        self.broken.store(true, Ordering::Relaxed);
                        return Err(StdinError::Closed);
                    }
                }
            }
        }
        if !rest.is_empty() {
            let (w, wake) = self.queue();
            if let Ok(mut q) = w.queue.lock() {
                q.extend(rest.iter().copied());
                w.queued.store(q.len(), Ordering::Release);
            }
            let _ = wake.send(());
        }
        Ok(())
    }
}

impl Drop for StdinWriter {
    fn drop(&mut self) {
        if self.queue.get().is_none() {
            // SAFETY: nobody else owns the fd (no queue was made).
            unsafe { libc::close(self.fd) };
        }
    }
}

struct SharedFd(Arc<StdinInner>);
impl AsRawFd for SharedFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.fd.as_raw_fd()
    }
}

async fn stdin_task(w: Arc<StdinInner>, mut wake: mpsc::UnboundedReceiver<()>) {
    // SAFETY: the fd lives in the Arc the wrapper holds; it closes only when dropped.
    let Ok(afd) = (unsafe { AsyncFd::register_with_interest(SharedFd(w.clone()), tokio::io::Interest::WRITABLE) }) else {
        return;
    };
    // Ends when the supervisor drops the StdinWriter (process finished).
    while wake.recv().await.is_some() {
        loop {
            let chunk: Vec<u8> = match w.queue.lock() {
                Ok(q) if !q.is_empty() => q.iter().take(64 * 1024).copied().collect(),
                _ => break,
            };
            match write_fd(w.fd.as_raw_fd(), &chunk) {
                Ok(n) => {
                    if let Ok(mut q) = w.queue.lock() {
                        q.drain(..n);
                        w.queued.store(q.len(), Ordering::Release);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    tokio::select! {
                        r = afd.writable() => match r {
                            Ok(mut g) => g.clear_ready(),
                            Err(_) => return,
                        },
                        more = wake.recv() => if more.is_none() { return },
                    }
                }
                Err(_) => {
                    w.broken.store(true, Ordering::Relaxed);
                    if let Ok(mut q) = w.queue.lock() {
                        q.clear();
                    }
                    w.queued.store(0, Ordering::Release);
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::rotating::backup_name;
    use std::io::Write;

    /// 16-byte numbered lines, like the bench's writer.
    fn stream(lines: usize) -> Vec<u8> {
        (0..lines).flat_map(|i| format!("L{i:014}\n").into_bytes()).collect()
    }

    #[test]
    fn a_busy_pipe_goes_through_its_relay_exactly_and_rotates_at_maxbytes() {
        const MAX: u64 = 100_003;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.log");
        let log: ChannelLog = Arc::new(Mutex::new(Some(RotatingFile::open(&path, MAX, 100).unwrap())));
        let (events, _keep) = mpsc::unbounded_channel();
        let shared = HubShared { events, copy_all: Arc::new(AtomicBool::new(false)) };
        let mode = ReaderMode { routed: false, copy: false, strip_ansi: false, syslog_name: None };
        let (read_end, write_end) = crate::sys::pipe(libc::O_CLOEXEC).unwrap();
        let mut write_end = std::fs::File::from(write_end);
        let fd = read_end.as_raw_fd();
        set_nonblocking(fd);
        // As note_read does when a pipe turns out busy (Drop gives it back).
        GROWN_PIPES.fetch_add(1, Ordering::Relaxed);
        let relay = Relay::new();
        assert!(relay.is_some(), "a relay pipe can be made here");
        let mut sink = Sink { serial: 1, channel: Channel::Stdout, log, mode, no_splice: false, full_reads: 0, grown: true, relay };

        let want = stream(200_000); // 3.2 MB: 32 rotations
        let data = want.clone();
        let writer = std::thread::spawn(move || {
            for chunk in data.chunks(65536) {
                write_end.write_all(chunk).unwrap();
            }
        });
        loop {
            let mut poll = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd.
            unsafe { libc::poll(&mut poll, 1, 5000) };
            if let PipeRead::Closed = read_available(fd, &mut sink, TURN_READS, &shared) {
                break;
            }
        }
        writer.join().unwrap();

        let backups = (want.len() as u64 / MAX) as u32;
        let mut got = Vec::new();
        for i in (1..=backups).rev() {
            let part = std::fs::read(backup_name(&path, i)).unwrap();
            assert_eq!(part.len() as u64, MAX, "backup .{i} ends exactly at maxbytes");
            got.extend(part);
        }
        got.extend(std::fs::read(&path).unwrap());
        assert!(!backup_name(&path, backups + 1).exists());
        assert!(got == want, "the logs hold the exact stream ({} of {} bytes)", got.len(), want.len());
    }
}
