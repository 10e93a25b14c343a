//! Reading logs back for XML-RPC: readLog/readProcess*Log (offset/length
//! rules, negative offsets) and tailProcess*Log (offset, overflow flag),
//! exactly as supervisord computes them.
//!
//! Unlike 4.3.0, bytes that are not UTF-8 (or a multi-byte character cut by
//! the offset) are decoded lossily instead of failing the request.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::rpc::value::{codes, Fault};

/// `readLog`/`readProcessStdoutLog(name, offset, length)`. Errors are
/// supervisord's faults (BAD_ARGUMENTS, NO_FILE, FAILED).
///
/// - offset >= 0, length > 0: `length` bytes from `offset`;
/// - offset >= 0, length == 0: everything from `offset`;
/// - offset < 0, length == 0: the last `-offset` bytes;
/// - a negative length, or a negative offset with a length: BAD_ARGUMENTS.
pub fn read_log(path: &Path, offset: i64, length: i64) -> Result<String, Fault> {
    if !path.exists() {
        return Err(Fault::with(codes::NO_FILE, path.to_string_lossy()));
    }
    read_bytes(path, offset, length).map(|data| String::from_utf8_lossy(&data).into_owned())
}

/// The bytes `read_log` returns, undecoded.
pub fn read_bytes(path: &Path, offset: i64, length: i64) -> Result<Vec<u8>, Fault> {
    if offset < 0 && length != 0 {
        return Err(Fault::code(codes::BAD_ARGUMENTS));
    }
    if offset >= 0 && length < 0 {
        return Err(Fault::code(codes::BAD_ARGUMENTS));
    }
    let failed = |_| Fault::code(codes::FAILED);
    let mut file = open_regular(path).ok_or_else(|| Fault::code(codes::FAILED))?;
    let size = file.seek(SeekFrom::End(0)).map_err(failed)?;
    let (start, want) = if offset < 0 {
        let back = offset.unsigned_abs();
        (size.saturating_sub(back), Some(back))
    } else if length == 0 {
        (offset as u64, None)
    } else {
        (offset as u64, Some(length as u64))
    };
    read_range(&mut file, start, want, size).map_err(failed)
}

/// `tailProcessStdoutLog(name, offset, length)` → (bytes, new offset, overflow).
///
/// If the file holds more than `offset + length` bytes, the overflow flag
/// is set and the last `length` bytes are returned; otherwise the bytes
/// from `offset` to the end (none if `offset` is past the end). The new
/// offset is always the file size. A missing or unreadable file gives
/// `("", 0, false)` / `("", offset, false)` as 4.3.0 does; never a fault.
pub fn tail_log(path: &Path, offset: i64, length: i64) -> Result<(String, i64, bool), Fault> {
    if !path.exists() {
        return Ok((String::new(), 0, false));
    }
    let Some(mut file) = open_regular(path) else {
        return Ok((String::new(), offset, false));
    };
    let Ok(size) = file.seek(SeekFrom::End(0)) else {
        return Ok((String::new(), offset, false));
    };
    let sz = size as i128;
    let (mut offset, mut length) = (offset as i128, length as i128);
    let mut overflow = false;
    if sz > offset + length {
        overflow = true;
        offset = sz - 1;
    }
    if offset + length > sz {
        if offset > sz - 1 {
            length = 0;
        }
        offset = sz - length;
    }
    offset = offset.max(0);
    length = length.max(0);
    let data = if length == 0 {
        Vec::new()
    } else {
        match read_range(&mut file, offset as u64, Some(length as u64), size) {
            Ok(d) => d,
            Err(_) => return Ok((String::new(), offset as i64, false)),
        }
    };
    Ok((String::from_utf8_lossy(&data).into_owned(), size as i64, overflow))
}

/// Opens a regular file for reading. Pipes, ttys and devices are refused
/// (reading /dev/stdout back would block or steal input).
fn open_regular(path: &Path) -> Option<File> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    File::open(path).ok()
}

/// Up to `want` bytes (all when None) from `start`, never past `size` as
/// seen at the start of the request (a growing file must not make one read
/// unbounded).
fn read_range(file: &mut File, start: u64, want: Option<u64>, size: u64) -> std::io::Result<Vec<u8>> {
    if start >= size {
        return Ok(Vec::new());
    }
    let avail = size - start;
    let n = want.map_or(avail, |w| w.min(avail));
    file.seek(SeekFrom::Start(start))?;
    let mut data = Vec::with_capacity(n as usize);
    file.take(n).read_to_end(&mut data)?;
    Ok(data)
}
