//! A child's pipes on the reactor: 10 MB through `cat` byte-exact, `output`, `status`,
//! `wait_with_output`, `try_wait`, `kill`, spawn errors naming the program.

mod common;

use std::io::ErrorKind;
use std::process::Stdio;

use common::runtime;
use corium_net::io::{AsyncReadExt, AsyncWriteExt};
use corium_os::process::Command;

#[test]
fn ten_megabytes_through_cat_stdin_to_stdout_byte_exact() {
    const LEN: usize = 10 << 20;
    // Bytes that differ from position to position, so a dropped or repeated chunk shows.
    let data: Vec<u8> = (0..LEN).map(|i| (i * 31 + i / 4096) as u8).collect();
    for multi in [true, false] {
        let data = data.clone();
        runtime(multi).block_on(async move {
            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = child.stdout.take().unwrap();
            // Write and read at once: the pipes hold 64 KiB, so one alone would stall.
            let writer = corium_executor::spawn(async move {
                stdin.write_all(&data).await.unwrap();
                data // dropping stdin here ends cat's input
            });
            let mut got = Vec::with_capacity(LEN);
            stdout.read_to_end(&mut got).await.unwrap();
            let data = writer.await.unwrap();
            assert_eq!(got.len(), LEN);
            assert!(got == data, "bytes differ");
            assert!(child.wait().await.unwrap().success());
        });
    }
}

#[test]
fn output_collects_stdout_and_stderr_and_the_status() {
    runtime(false).block_on(async {
        let out = Command::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 7"])
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(7));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    });
}

#[test]
fn status_wait_with_output_try_wait_and_id() {
    runtime(true).block_on(async {
        assert_eq!(
            Command::new("false").status().await.unwrap().code(),
            Some(1)
        );
        let child = Command::new("sh")
            .args(["-c", "printf abc"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.wait_with_output().await.unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"abc");
        assert!(out.stderr.is_empty(), "stderr was not piped");

        let mut child = Command::new("cat").stdin(Stdio::piped()).spawn().unwrap();
        assert!(child.id().is_some());
        assert_eq!(child.try_wait().unwrap(), None, "cat waits for input");
        child.kill().await.unwrap();
        let status = child.try_wait().unwrap().expect("reaped by kill");
        assert!(!status.success());
        assert_eq!(child.id(), None, "no pid once reaped");
        child.start_kill().unwrap(); // already reaped: nothing to do, no error
    });
}

#[test]
fn spawn_errors_name_the_program() {
    runtime(false).block_on(async {
        let err = Command::new("corium-no-such-program").spawn().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(
            err.to_string().contains("`corium-no-such-program`"),
            "{err}"
        );

        // A file that exists but is not executable: EACCES.
        let path = std::env::temp_dir().join(format!("corium-not-exec-{}", std::process::id()));
        std::fs::write(&path, b"#!/bin/sh\n").unwrap();
        let err = Command::new(&path).spawn().unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
    });
}

#[test]
fn piped_stdio_outside_a_runtime_is_a_clear_error() {
    let err = Command::new("true")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_err();
    assert!(err.to_string().contains("no reactor running"), "{err}");
}

#[test]
fn a_childs_stdout_can_feed_another_child() {
    runtime(false).block_on(async {
        let mut first = Command::new("sh")
            .args(["-c", "printf chained"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdio: Stdio = first.stdout.take().unwrap().try_into().unwrap();
        let out = Command::new("cat").stdin(stdio).output().await.unwrap();
        assert_eq!(out.stdout, b"chained");
        assert!(first.wait().await.unwrap().success());
    });
}
