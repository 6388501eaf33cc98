//! A tokio program using processes, pipes and signals, with `tokio::` renamed to `corium::`,
//! compiles and runs unchanged (the os half of `tokio_port.rs`).
//!
//! `os_program!` holds the program text once; `os_program!(tokio)` and `os_program!(corium)`
//! expand it against each crate. One test runs all four (two crates × two flavours) in turn —
//! in turn, because the program raises a signal at the whole process — and requires the same
//! transcript from each.

/// What one run observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// `Command::output` of a shell: exit code, stdout, stderr.
    pub output: (Option<i32>, Vec<u8>, Vec<u8>),
    /// What came back through `cat`'s piped stdin and stdout.
    pub catted: Vec<u8>,
    /// What came through an anonymous `net::unix::pipe`.
    pub piped: Vec<u8>,
    /// How many `recv`s completed after one `raise(SIGUSR2)`.
    pub signals: usize,
    /// `cat`'s exit code.
    pub status: Option<i32>,
}

macro_rules! os_program {
    ($rt:ident) => {
        use std::process::Stdio;

        use super::Transcript;
        use $rt::io::{AsyncReadExt, AsyncWriteExt};
        use $rt::net::unix::pipe;
        use $rt::process::Command;
        use $rt::signal::unix::{signal, SignalKind};

        pub async fn program() -> std::io::Result<Transcript> {
            let out = Command::new("sh")
                .arg("-c")
                .arg("printf out; printf err >&2; exit 3")
                .output()
                .await?;

            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()?;
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = child.stdout.take().unwrap();
            stdin.write_all(b"through cat").await?;
            drop(stdin);
            let mut catted = Vec::new();
            stdout.read_to_end(&mut catted).await?;
            let status = child.wait().await?.code();

            let (mut tx, mut rx) = pipe::pipe()?;
            tx.write_all(b"through a pipe").await?;
            drop(tx);
            let mut piped = Vec::new();
            rx.read_to_end(&mut piped).await?;

            let mut usr2 = signal(SignalKind::user_defined2())?;
            // SAFETY: raise has no preconditions; the SIGUSR2 handler is installed.
            unsafe { libc::raise(libc::SIGUSR2) };
            let mut signals = 0;
            if usr2.recv().await.is_some() {
                signals += 1;
            }

            Ok(Transcript {
                output: (out.status.code(), out.stdout, out.stderr),
                catted,
                piped,
                signals,
                status,
            })
        }

        pub fn main_multi() -> std::io::Result<Transcript> {
            $rt::runtime::Runtime::new()?.block_on(program())
        }

        pub fn main_current() -> std::io::Result<Transcript> {
            $rt::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?
                .block_on(program())
        }
    };
}

mod on_tokio {
    os_program!(tokio);
}

mod on_corium {
    os_program!(corium);
}

#[test]
fn the_same_os_program_runs_on_tokio_and_corium_on_both_flavours() {
    let expected = Transcript {
        output: (Some(3), b"out".to_vec(), b"err".to_vec()),
        catted: b"through cat".to_vec(),
        piped: b"through a pipe".to_vec(),
        signals: 1,
        status: Some(0),
    };
    assert_eq!(
        on_tokio::main_multi().unwrap(),
        expected,
        "tokio, multi-thread"
    );
    assert_eq!(
        on_tokio::main_current().unwrap(),
        expected,
        "tokio, current-thread"
    );
    assert_eq!(
        on_corium::main_multi().unwrap(),
        expected,
        "corium, multi-thread"
    );
    assert_eq!(
        on_corium::main_current().unwrap(),
        expected,
        "corium, current-thread"
    );
}
