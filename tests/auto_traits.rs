//! Every public type is `Send` / `Sync` / `Unpin` wherever tokio's counterpart is (as
//! tokio's own `async_send_sync` test lists them), so code that moves tokio values between
//! threads or pins them ports unchanged; and it lacks them where lacking is what makes it
//! sound (a `JoinHandle` of an `Rc`, an `EnterGuard`).
//!
//! The checks are compile-time: a difference makes this file fail to build. `has!` asserts
//! that a type implements a trait; `lacks!` that it does not (a `Send` type would make the
//! method lookup in `lacks!` ambiguous between two blanket impls, which does not compile).

#![allow(dead_code)]

use corium::io::{self, BufReader, BufStream, BufWriter, DuplexStream, Lines, ReadBuf};
use corium::net::{tcp, unix, TcpListener, TcpSocket, TcpStream, UdpSocket};
use corium::net::{UnixDatagram, UnixListener, UnixStream};
use corium::runtime::{self, Builder, EnterGuard, Handle, Runtime};
use corium::task::{JoinError, JoinHandle};
use corium::time::{Elapsed, Instant, Interval, Sleep, Timeout};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// Asserts `$ty: $tr` for each listed trait.
macro_rules! has {
    ($ty:ty: $($tr:path),+) => {
        const _: fn() = || {
            fn check<T: ?Sized $(+ $tr)+>() {}
            check::<$ty>();
        };
    };
}

/// Asserts `$ty` does not implement `$tr`.
macro_rules! lacks {
    ($ty:ty: $tr:path) => {
        const _: fn() = || {
            // Two blanket impls: the first for every type, the second only for `$tr` types.
            // Naming the method with an inferred marker resolves only if exactly one applies.
            trait Probe<Marker> {
                fn probe() {}
            }
            struct Always;
            struct OnlyIfImplemented;
            impl<T: ?Sized> Probe<Always> for T {}
            impl<T: ?Sized + $tr> Probe<OnlyIfImplemented> for T {}
            let _ = <$ty as Probe<_>>::probe;
        };
    };
}

/// Asserts that a value's type is `Send` / `Sync` (for futures returned by `async fn`s,
/// whose types cannot be named).
fn send_sync<T: Send + Sync>(_: &T) {}
fn send_only<T: Send>(_: &T) {}

type BoxFuture = Pin<Box<dyn Future<Output = ()>>>;
type BoxFutureSend = Pin<Box<dyn Future<Output = ()> + Send>>;
type BoxFutureSync = Pin<Box<dyn Future<Output = ()> + Send + Sync>>;
/// Output types: neither, `Send` only, both.
type NN = Rc<()>;
type YN = Cell<u32>;
type YY = u32;

// runtime
has!(Builder: Send, Sync, Unpin);
has!(Runtime: Send, Sync, Unpin);
has!(Handle: Send, Sync, Unpin);
has!(EnterGuard<'static>: Sync, Unpin);
lacks!(EnterGuard<'static>: Send);
has!(runtime::RuntimeMetrics: Send, Sync, Unpin);
has!(runtime::RuntimeFlavor: Send, Sync, Unpin);
has!(runtime::TryCurrentError: Send, Sync, Unpin);
has!(runtime::Id: Send, Sync, Unpin);

// task
has!(JoinError: Send, Sync, Unpin);
has!(JoinHandle<NN>: Unpin);
lacks!(JoinHandle<NN>: Send);
lacks!(JoinHandle<NN>: Sync);
has!(JoinHandle<YN>: Send, Sync, Unpin);
has!(JoinHandle<YY>: Send, Sync, Unpin);
has!(corium::task::AbortHandle: Send, Sync, Unpin);
has!(corium::task::Id: Send, Sync, Unpin);
has!(corium::task::JoinSet<YY>: Send, Sync, Unpin);
has!(corium::task::JoinSet<YN>: Send, Sync, Unpin);
has!(corium::task::JoinSet<NN>: Unpin);
lacks!(corium::task::JoinSet<NN>: Send);
lacks!(corium::task::JoinSet<NN>: Sync);
has!(corium::task::LocalSet: Unpin);
lacks!(corium::task::LocalSet: Send);
lacks!(corium::task::LocalSet: Sync);
lacks!(corium::task::LocalEnterGuard<'static>: Send);
has!(runtime::LocalRuntime: Unpin);
lacks!(runtime::LocalRuntime: Send);
lacks!(runtime::LocalRuntime: Sync);
lacks!(runtime::LocalOptions: Send);
has!(corium::task::LocalKey<YY>: Send, Sync, Unpin);
has!(corium::task::TaskLocalFuture<YY, BoxFutureSync>: Send, Sync);
lacks!(corium::task::TaskLocalFuture<YY, BoxFutureSync>: Unpin);
has!(corium::task::AccessError: Send, Sync, Unpin);
has!(corium::task::Unconstrained<BoxFutureSync>: Send, Sync, Unpin);

// net
has!(TcpSocket: Send, Sync, Unpin);
has!(TcpListener: Send, Sync, Unpin);
has!(TcpStream: Send, Sync, Unpin);
has!(tcp::OwnedReadHalf: Send, Sync, Unpin);
has!(tcp::OwnedWriteHalf: Send, Sync, Unpin);
has!(tcp::ReadHalf<'static>: Send, Sync, Unpin);
has!(tcp::WriteHalf<'static>: Send, Sync, Unpin);
has!(tcp::ReuniteError: Send, Sync, Unpin);
has!(UdpSocket: Send, Sync, Unpin);
has!(UnixListener: Send, Sync, Unpin);
has!(UnixStream: Send, Sync, Unpin);
has!(UnixDatagram: Send, Sync, Unpin);
has!(unix::OwnedReadHalf: Send, Sync, Unpin);
has!(unix::OwnedWriteHalf: Send, Sync, Unpin);
has!(unix::ReadHalf<'static>: Send, Sync, Unpin);
has!(unix::WriteHalf<'static>: Send, Sync, Unpin);
has!(unix::ReuniteError: Send, Sync, Unpin);
has!(unix::UCred: Send, Sync, Unpin);

// io
has!(BufReader<TcpStream>: Send, Sync, Unpin);
has!(BufStream<TcpStream>: Send, Sync, Unpin);
has!(BufWriter<TcpStream>: Send, Sync, Unpin);
has!(DuplexStream: Send, Sync, Unpin);
has!(io::Empty: Send, Sync, Unpin);
has!(io::Interest: Send, Sync, Unpin);
has!(Lines<TcpStream>: Send, Sync, Unpin);
has!(ReadBuf<'static>: Send, Sync, Unpin);
has!(io::ReadHalf<TcpStream>: Send, Sync, Unpin);
has!(io::WriteHalf<TcpStream>: Send, Sync, Unpin);
has!(io::Ready: Send, Sync, Unpin);
has!(io::Repeat: Send, Sync, Unpin);
has!(io::Sink: Send, Sync, Unpin);
has!(io::Split<TcpStream>: Send, Sync, Unpin);
has!(io::Stderr: Send, Sync, Unpin);
has!(io::Stdin: Send, Sync, Unpin);
has!(io::Stdout: Send, Sync, Unpin);
has!(io::Take<TcpStream>: Send, Sync, Unpin);

// time
has!(Interval: Send, Sync, Unpin);
has!(Instant: Send, Sync, Unpin);
// tokio's `Sleep` (and so `Timeout`) is `!Unpin`; corium's is `Unpin` (its timer entry is
// boxed, see `Sleep`'s docs): a superset, so every tokio program still compiles.
has!(Sleep: Send, Sync, Unpin);
has!(Timeout<BoxFutureSync>: Send, Sync, Unpin);
has!(Timeout<BoxFutureSend>: Send);
lacks!(Timeout<BoxFutureSend>: Sync);
lacks!(Timeout<BoxFuture>: Send);
lacks!(Timeout<BoxFuture>: Sync);
has!(Elapsed: Send, Sync, Unpin);
has!(corium::time::error::Elapsed: Send, Sync, Unpin);
has!(corium::time::error::Error: Send, Sync, Unpin);

/// The futures of the common `async fn`s are `Send + Sync`, as tokio's are.
#[allow(unreachable_code, unused_variables, clippy::diverging_sub_expression)]
fn futures_of_async_fns_are_send_and_sync() {
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    send_sync(&TcpListener::bind(addr));
    send_sync(&TcpStream::connect(addr));
    send_sync(&corium::net::lookup_host(addr));
    send_sync(&UdpSocket::bind(addr));
    send_sync(&corium::time::sleep(std::time::Duration::ZERO));
    send_sync(&corium::time::timeout(std::time::Duration::ZERO, async {}));
    send_only(&corium::time::timeout(
        std::time::Duration::ZERO,
        Box::pin(async {}) as BoxFutureSend,
    ));
    let listener: &TcpListener = todo!();
    send_sync(&listener.accept());
    let stream: &TcpStream = todo!();
    send_sync(&stream.readable());
    send_sync(&stream.writable());
    send_sync(&stream.ready(io::Interest::READABLE));
    let udp: &UdpSocket = todo!();
    send_sync(&udp.recv(&mut []));
    send_sync(&udp.send_to(&[], addr));
    let interval: &mut Interval = todo!();
    send_sync(&interval.tick());
    send_sync(&corium::task::consume_budget());
    let set: &mut corium::task::JoinSet<YY> = todo!();
    send_sync(&set.join_next());
    send_sync(&set.shutdown());
}

/// Keeps the compile-time checks above in a test run, so they are part of
/// `cargo test --all-targets` (a file that fails to build fails the run), and checks one of
/// them dynamically: a `JoinHandle` of a `Send` output crosses threads while shared.
#[test]
fn join_handles_of_send_outputs_are_shared_across_threads() {
    let rt = Builder::new_current_thread().build().unwrap();
    // `Cell` is `Send` but not `Sync`: the handle is still shareable, as tokio's.
    let handle = rt.spawn(async { Cell::new(7u32) });
    let shared = std::sync::Arc::new(handle);
    let s = shared.clone();
    let finished = std::thread::spawn(move || s.is_finished()).join().unwrap();
    assert!(!finished, "nothing drove the task yet");
    let handle = std::sync::Arc::try_unwrap(shared).ok().unwrap();
    assert_eq!(rt.block_on(handle).unwrap().get(), 7);
}
