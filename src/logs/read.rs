//! Reading logs back for XML-RPC: readLog/readProcess*Log (offset/length
//! rules, negative offsets) and tailProcess*Log (offset, overflow flag),
//! exactly as supervisord computes them.

use std::path::Path;

use crate::rpc::value::Fault;

/// `readLog`/`readProcessStdoutLog(name, offset, length)`. Errors are
/// supervisord's faults (BAD_ARGUMENTS, NO_FILE, FAILED).
pub fn read_log(_path: &Path, _offset: i64, _length: i64) -> Result<String, Fault> {
    todo!("logs helper")
}

/// `tailProcessStdoutLog(name, offset, length)` → (bytes, new offset, overflow).
pub fn tail_log(_path: &Path, _offset: i64, _length: i64) -> Result<(String, i64, bool), Fault> {
    todo!("logs helper")
}
