//! The echo server, written once as `echo_server!` and expanded against `corium` and `tokio`,
//! and the thread that runs one.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicUsize;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use crate::STALL;

/// Each server connection's read buffer.
pub(crate) const SERVER_BUF: usize = 16 * 1024;
/// Worker threads of the multi-thread flavour (the machine has two cores).
pub(crate) const WORKERS: usize = 2;
/// The size of a connection task's future (set at each spawn; the memory bench reports it).
pub(crate) static FUTURE_BYTES: AtomicUsize = AtomicUsize::new(0);

/// The server program, written once; `$rt` is the crate it runs on. With `uninit`, each
/// connection reads with `read_buf` into the spare capacity of a `Vec::with_capacity` (memory
/// never initialised) instead of `read` into a zeroed buffer: the path hyper's read cursor and
/// `BytesMut` take, which costs a runtime that zeroes before reading a memset per poll.
macro_rules! echo_server {
    ($rt:ident) => {
        use std::io;
        use std::net::SocketAddr;
        use std::sync::atomic::Ordering::Relaxed;

        use $rt::io::{AsyncReadExt, AsyncWriteExt};
        use $rt::net::TcpListener;
        use $rt::runtime::Builder;

        /// Serves exactly `conns` connections until each has closed; returns the bytes echoed.
        /// `workers == 0` selects the current-thread runtime, on the calling thread; `buf` is
        /// each connection's read buffer in bytes.
        pub fn serve(
            workers: usize,
            uninit: bool,
            buf: usize,
            conns: usize,
            listening: impl FnOnce(SocketAddr),
        ) -> io::Result<u64> {
            let rt = if workers == 0 {
                Builder::new_current_thread().enable_all().build()?
            } else {
                Builder::new_multi_thread()
                    .worker_threads(workers)
                    .enable_all()
                    .build()?
            };
            rt.block_on(async move {
                let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
                // Before `listening`: the memory bench counts what the connections add.
                let mut tasks = Vec::with_capacity(conns);
                listening(listener.local_addr()?);
                for _ in 0..conns {
                    let (mut stream, _) = listener.accept().await?;
                    stream.set_nodelay(true)?;
                    let size = buf;
                    let task = async move {
                        if uninit {
                            let mut buf = Vec::with_capacity(size);
                            let mut echoed = 0u64;
                            loop {
                                buf.clear();
                                let n = stream.read_buf(&mut buf).await?;
                                if n == 0 {
                                    return Ok::<u64, io::Error>(echoed);
                                }
                                stream.write_all(&buf).await?;
                                echoed += n as u64;
                            }
                        }
                        // Zeroed by a plain fill, not `vec![0; n]`: that asks for zeroed
                        // memory (calloc), which skips the memset when the allocator has fresh
                        // pages and not when it reuses a chunk, so the start-up instructions
                        // the callgrind mode subtracts would vary from run to run.
                        let mut buf = Vec::with_capacity(size);
                        buf.resize(size, 0u8);
                        let mut echoed = 0u64;
                        loop {
                            let n = stream.read(&mut buf).await?;
                            if n == 0 {
                                return Ok::<u64, io::Error>(echoed);
                            }
                            stream.write_all(&buf[..n]).await?;
                            echoed += n as u64;
                        }
                    };
                    super::FUTURE_BYTES.store(std::mem::size_of_val(&task), Relaxed);
                    tasks.push($rt::spawn(task));
                }
                let mut echoed = 0;
                for task in tasks {
                    echoed += task.await.map_err(|e| io::Error::other(e.to_string()))??;
                }
                Ok(echoed)
            })
        }
    };
}

mod corium_server {
    echo_server!(corium);
}

mod tokio_server {
    echo_server!(tokio);
}

/// Which server: runtime crate and flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind {
    pub(crate) corium: bool,
    /// Worker threads; 0 = current-thread.
    pub(crate) workers: usize,
    /// Reads into uninitialised memory (`read_buf` into a `Vec`'s spare capacity).
    pub(crate) uninit: bool,
}

impl Kind {
    pub(crate) const ALL: [Kind; 8] = [
        Kind::new(true, 0),
        Kind::new(false, 0),
        Kind::new(true, WORKERS),
        Kind::new(false, WORKERS),
        Kind::new(true, 0).uninit(),
        Kind::new(false, 0).uninit(),
        Kind::new(true, WORKERS).uninit(),
        Kind::new(false, WORKERS).uninit(),
    ];

    pub(crate) const fn new(corium: bool, workers: usize) -> Kind {
        Kind {
            corium,
            workers,
            uninit: false,
        }
    }

    /// The same server reading into uninitialised memory.
    pub(crate) const fn uninit(self) -> Kind {
        Kind {
            uninit: true,
            ..self
        }
    }

    pub(crate) fn runtime(self) -> &'static str {
        if self.corium {
            "corium"
        } else {
            "tokio"
        }
    }

    pub(crate) fn flavour(self) -> &'static str {
        if self.workers == 0 {
            "current"
        } else {
            "multi"
        }
    }

    pub(crate) fn name(self) -> String {
        let buffer = if self.uninit { "-uninit" } else { "" };
        format!("{}-{}{buffer}", self.runtime(), self.flavour())
    }

    pub(crate) fn parse(name: &str) -> io::Result<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                crate::invalid(format!(
                    "unknown server kind {name:?}; use corium-current, corium-multi, \
                     tokio-current or tokio-multi, each optionally followed by -uninit"
                ))
            })
    }

    pub(crate) fn serve(self, conns: usize, listening: impl FnOnce(SocketAddr)) -> io::Result<u64> {
        self.serve_with_buffer(SERVER_BUF, conns, listening)
    }

    /// [`serve`](Kind::serve) with a read buffer of `buf` bytes per connection.
    pub(crate) fn serve_with_buffer(
        self,
        buf: usize,
        conns: usize,
        listening: impl FnOnce(SocketAddr),
    ) -> io::Result<u64> {
        if self.corium {
            corium_server::serve(self.workers, self.uninit, buf, conns, listening)
        } else {
            tokio_server::serve(self.workers, self.uninit, buf, conns, listening)
        }
    }
}

/// A server running on its own thread; `join` returns the bytes it echoed.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    thread: JoinHandle<io::Result<u64>>,
}

impl Server {
    pub(crate) fn start(kind: Kind, conns: usize) -> io::Result<Server> {
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new()
            .name(format!("{}-server", kind.name()))
            .spawn(move || {
                kind.serve(conns, |addr| {
                    let _ = tx.send(addr);
                })
            })?;
        match rx.recv_timeout(STALL) {
            Ok(addr) => Ok(Server { addr, thread }),
            Err(_) => Err(match thread.join() {
                Ok(Err(e)) => e,
                _ => io::Error::other(format!("{} server never started", kind.name())),
            }),
        }
    }

    pub(crate) fn join(self) -> io::Result<u64> {
        self.thread
            .join()
            .map_err(|_| io::Error::other("server thread panicked"))?
    }
}
