//! `corium::io::{stdin, stdout, stderr}` in a real child process, on both runtime flavours.
//!
//! The test binary runs itself again as the child: the `child_*` test, started with
//! `CORIUM_IO_STD_CHILD` set, turns into a program that reads its standard input through
//! `corium::io::stdin()` and answers on `stdout()` / `stderr()`. The parent (the same test
//! without the variable) feeds it input through a pipe and checks every byte of the answer,
//! so the test never touches the test process's own standard input.

mod net_common;

use std::io::{ErrorKind, Write};
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};

use corium::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use net_common::{runtime, Flavor, WATCHDOG};

const CHILD_ENV: &str = "CORIUM_IO_STD_CHILD";
const BEGIN: &str = "<<corium-stdout-begin>>\n";
const END: &str = "<<corium-stdout-end>>\n";

/// The input the parent sends: lines of varying length, together a few times the stream's
/// 64 KiB per-operation cap, so reads and writes both take several pool round trips.
fn input() -> String {
    (0..4000)
        .map(|i| format!("line {i} {}\n", "abcxyz".repeat(i % 17)))
        .collect()
}

/// What the child answers on stdout, between the markers.
fn expected_stdout(input: &str) -> String {
    input.lines().map(|l| l.to_uppercase() + "\n").collect()
}

/// The child program: upper-cases its input lines to stdout, reports the count on stderr.
async fn child_program() -> std::io::Result<()> {
    let mut lines = BufReader::new(corium::io::stdin()).lines();
    let mut answer = String::new();
    let mut count = 0;
    while let Some(line) = lines.next_line().await? {
        answer.push_str(&line.to_uppercase());
        answer.push('\n');
        count += 1;
    }
    let mut out = corium::io::stdout();
    out.write_all(BEGIN.as_bytes()).await?;
    // One call with all of it: larger than one blocking write, so it is split and queued.
    out.write_all(answer.as_bytes()).await?;
    out.write_all(END.as_bytes()).await?;
    out.flush().await?;
    let mut err = corium::io::stderr();
    err.write_all(format!("<<corium-stderr {count} lines>>\n").as_bytes())
        .await?;
    err.shutdown().await
}

/// Runs this test binary's `name` test as the child, feeding it `input`; returns (stdout,
/// stderr) of the child, which must exit successfully.
fn run_child(name: &str, flavor: Flavor, input: String) -> (String, String) {
    let exe = std::env::current_exe().expect("path of the test binary");
    let mut child = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, format!("{flavor:?}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child");
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        stdin.write_all(input.as_bytes())?;
        // Dropping `stdin` closes the pipe: the child sees end of input.
        Ok::<(), std::io::Error>(())
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(WATCHDOG) {
        Ok(output) => output.expect("wait for the child"),
        Err(_) => {
            // SAFETY: kill(2) takes plain integers; `pid` is our own unreaped child (the
            // waiting thread has not returned), so the id cannot have been reused.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("the child hung for {WATCHDOG:?}");
        }
    };
    feeder.join().unwrap().expect("feed the child's stdin");
    let stdout = String::from_utf8(output.stdout).expect("child stdout is UTF-8");
    let stderr = String::from_utf8(output.stderr).expect("child stderr is UTF-8");
    assert!(
        output.status.success(),
        "child failed: {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    (stdout, stderr)
}

fn child_or_parent(name: &str, flavor: Flavor) {
    if let Ok(which) = std::env::var(CHILD_ENV) {
        assert_eq!(which, format!("{flavor:?}"), "started as the wrong child");
        runtime(flavor)
            .block_on(child_program())
            .expect("child program");
        return;
    }
    let input = input();
    let (stdout, stderr) = run_child(name, flavor, input.clone());
    let start = stdout.find(BEGIN).expect("begin marker on stdout") + BEGIN.len();
    let end = stdout.find(END).expect("end marker on stdout");
    let answer = &stdout[start..end];
    let expected = expected_stdout(&input);
    assert_eq!(answer.len(), expected.len(), "length of the answer");
    assert!(answer == expected, "the answer differs from the input");
    assert!(
        stderr.contains(&format!(
            "<<corium-stderr {} lines>>",
            input.lines().count()
        )),
        "stderr: {stderr}"
    );
}

#[test]
fn child_current_thread() {
    child_or_parent("child_current_thread", Flavor::CurrentThread);
}

#[test]
fn child_multi_thread() {
    child_or_parent("child_multi_thread", Flavor::MultiThread);
}

#[test]
fn outside_a_runtime_every_stream_reports_an_error() {
    let mut cx = Context::from_waker(Waker::noop());
    // Fails before any read is attempted, so the test's own stdin is not touched.
    let mut space = [0u8; 4];
    let mut buf = ReadBuf::new(&mut space);
    let mut stdin = corium::io::stdin();
    let Poll::Ready(Err(err)) = Pin::new(&mut stdin).poll_read(&mut cx, &mut buf) else {
        panic!("stdin outside a runtime must fail at once");
    };
    assert_eq!(err.kind(), ErrorKind::Other);
    assert!(
        err.to_string().contains("stdin") && err.to_string().contains("runtime"),
        "{err}"
    );

    for (name, mut writer) in [
        (
            "stdout",
            Box::new(corium::io::stdout()) as Box<dyn AsyncWrite + Unpin>,
        ),
        ("stderr", Box::new(corium::io::stderr())),
    ] {
        let Poll::Ready(Err(err)) = Pin::new(&mut writer).poll_write(&mut cx, b"x") else {
            panic!("{name} outside a runtime must fail at once");
        };
        assert!(err.to_string().contains(name), "{err}");
        // Nothing was queued, so a flush has nothing to wait for.
        assert!(matches!(
            Pin::new(&mut writer).poll_flush(&mut cx),
            Poll::Ready(Ok(()))
        ));
    }
}

#[test]
fn handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<corium::io::Stdin>();
    assert_send_sync::<corium::io::Stdout>();
    assert_send_sync::<corium::io::Stderr>();
}

#[test]
fn stdin_at_end_of_input_reports_end_of_stream() {
    // A child with empty input: its stdin is at end at once, and `lines` ends cleanly.
    let (stdout, _) = run_child("child_current_thread", Flavor::CurrentThread, String::new());
    let start = stdout.find(BEGIN).expect("begin marker") + BEGIN.len();
    let end = stdout.find(END).expect("end marker");
    assert_eq!(&stdout[start..end], "");
}

#[test]
fn handles_expose_the_standard_descriptors() {
    use std::io::IsTerminal;
    use std::os::fd::{AsFd, AsRawFd};
    let (i, o, e) = (
        corium::io::stdin(),
        corium::io::stdout(),
        corium::io::stderr(),
    );
    assert_eq!((i.as_raw_fd(), o.as_raw_fd(), e.as_raw_fd()), (0, 1, 2));
    // Through `as_fd`, `IsTerminal` gives std's own answers.
    assert_eq!(i.as_fd().is_terminal(), std::io::stdin().is_terminal());
    assert_eq!(o.as_fd().is_terminal(), std::io::stdout().is_terminal());
    assert_eq!(e.as_fd().is_terminal(), std::io::stderr().is_terminal());
}
