//! Child output reaches its log without loss: everything written before an
//! exit is in the file when the exit is handled, grandchildren holding the
//! pipe do not hold up exit handling, and redirect_stderr interleaves.

#[path = "engine_support.rs"]
mod support;

use rsupervisor::rpc::value::Value;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_byte_written_before_exit_is_logged() {
    let _g = serial();
    let r = start(concat!(
        "[program:big]\ncommand=python3 -c \"import sys; sys.stdout.write('x'*10000000); sys.stderr.write('y'*3000000)\"\n",
        "startsecs=0\nautorestart=false\nstdout_logfile={dir}/big.out\nstderr_logfile={dir}/big.err\n",
        "stdout_logfile_maxbytes=0\nstderr_logfile_maxbytes=0\n",
    ));
    r.wait_state("big", "EXITED", 30).await;
    // The state says EXITED only after the pipes were drained.
    assert_eq!(std::fs::metadata(r.path("big.out")).unwrap().len(), 10_000_000);
    assert_eq!(std::fs::metadata(r.path("big.err")).unwrap().len(), 3_000_000);
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grandchild_holding_the_pipe_does_not_delay_the_exit() {
    let _g = serial();
    let r = start(concat!(
        "[program:bg]\ncommand=sh -c 'sleep 30 & echo parent-done'\nstartsecs=0\nautorestart=false\n",
        "stdout_logfile={dir}/bg.out\n",
    ));
    r.wait_state("bg", "EXITED", 5).await;
    assert_eq!(std::fs::read_to_string(r.path("bg.out")).unwrap(), "parent-done\n");
    // Clean up the orphaned sleep (it is in the child's process group).
    let log = r.mainlog();
    let pid: i32 = log
        .split("spawned: 'bg' with pid ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    unsafe { libc::kill(-pid, libc::SIGKILL) };
    r.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_stderr_goes_to_the_stdout_log() {
    let _g = serial();
    let r = start(concat!(
        "[program:mix]\ncommand=sh -c 'echo one; echo two >&2; echo three'\nstartsecs=0\nautorestart=false\n",
        "redirect_stderr=true\nstdout_logfile={dir}/mix.out\n",
    ));
    r.wait_state("mix", "EXITED", 5).await;
    assert_eq!(std::fs::read_to_string(r.path("mix.out")).unwrap(), "one\ntwo\nthree\n");
    let text = r.call("readProcessStdoutLog", vec![Value::str("mix"), Value::Int(-6), Value::Int(0)]).await.unwrap();
    assert_eq!(text, Value::str("three\n"));
    r.shutdown().await;
}
