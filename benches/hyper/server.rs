//! The hyper server of the hyper bench, written once as `hyper_server!` and expanded against
//! corium and tokio; each runs on a thread of its own.

use std::io;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// The server program, written once: `$rt` is the runtime crate, `$io`/`$timer` the hyper
/// adapters for it.
macro_rules! hyper_server {
    ($rt:ident, $io:path, $timer:expr) => {
        use std::convert::Infallible;
        use std::io;
        use std::net::SocketAddr;

        use bytes::Bytes;
        use http_body_util::Full;
        use hyper::server::conn::http1;
        use hyper::service::service_fn;
        use hyper::{Request, Response};

        async fn hello(
            _: Request<hyper::body::Incoming>,
        ) -> Result<Response<Full<Bytes>>, Infallible> {
            Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
        }

        /// Serves exactly `conns` connections until each has closed.
        pub fn serve(conns: usize, listening: impl FnOnce(SocketAddr)) -> io::Result<()> {
            let rt = $rt::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let listener =
                    $rt::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
                listening(listener.local_addr()?);
                let mut tasks = Vec::with_capacity(conns);
                for _ in 0..conns {
                    let (stream, _) = listener.accept().await?;
                    stream.set_nodelay(true)?;
                    tasks.push($rt::spawn(async move {
                        http1::Builder::new()
                            .timer($timer)
                            .serve_connection(<$io>::new(stream), service_fn(hello))
                            .await
                            .map_err(io::Error::other)
                    }));
                }
                for task in tasks {
                    task.await.map_err(|e| io::Error::other(e.to_string()))??;
                }
                Ok(())
            })
        }
    };
}

mod corium_server {
    hyper_server!(
        corium,
        corium::net::hyper_rt::HyperIo<_>,
        corium::net::hyper_rt::CoriumTimer::new()
    );
}

mod tokio_server {
    hyper_server!(
        tokio,
        hyper_util::rt::TokioIo<_>,
        hyper_util::rt::TokioTimer::new()
    );
}

/// Which runtime a server runs on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Runtime {
    Corium,
    Tokio,
}

/// A server on its own thread.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    thread: JoinHandle<io::Result<()>>,
}

impl Server {
    pub(crate) fn start(runtime: Runtime, conns: usize) -> io::Result<Server> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let listening = move |addr| {
                let _ = tx.send(addr);
            };
            match runtime {
                Runtime::Corium => corium_server::serve(conns, listening),
                Runtime::Tokio => tokio_server::serve(conns, listening),
            }
        });
        match rx.recv_timeout(crate::STALL) {
            Ok(addr) => Ok(Server { addr, thread }),
            Err(_) => Err(match thread.join() {
                Ok(Err(e)) => e,
                _ => io::Error::other(format!("{runtime:?} server never started")),
            }),
        }
    }

    pub(crate) fn join(self) -> io::Result<()> {
        self.thread
            .join()
            .map_err(|_| io::Error::other("server thread panicked"))?
    }
}
