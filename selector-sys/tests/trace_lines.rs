//! Trace lines: their format, the syscalls a register/poll/wake sequence shows in order, the
//! layer filter, the writer and captures, and the dormant path.

#![cfg(feature = "trace")]

mod trace_support;

use std::cell::Cell;
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use corium_selector_sys::net::{TcpListener, TcpStream};
use corium_selector_sys::trace::{self, Layer};
use corium_selector_sys::{syscall, Poll};
use trace_support::{on_thread, parse_line, serial, Line, Shared};

/// The lines `thread` wrote, parsed.
#[track_caller]
fn lines_of(raw: Vec<String>, thread: &str) -> Vec<Line> {
    raw.iter()
        .map(|l| parse_line(l))
        .filter(|l| l.thread == thread)
        .collect()
}

#[test]
#[cfg(any(target_os = "linux", target_os = "android"))]
fn register_poll_wake_shows_each_syscall_in_order() {
    use corium_selector_sys::net::UnixStream;
    use corium_selector_sys::{Events, Interest, Token, Waker};
    use std::time::Duration;

    let _serial = serial();
    let lines = trace::capture();
    let fds = on_thread("traced", || -> io::Result<_> {
        trace::enable(&[Layer::Selector]);
        let mut poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), Token(9))?;
        let (mut a, _b) = UnixStream::pair()?;
        poll.registry()
            .register(&mut a, Token(3), Interest::READABLE | Interest::WRITABLE)?;
        waker.wake()?;
        let mut events = Events::with_capacity(8);
        poll.poll(&mut events, Some(Duration::from_secs(5)))?;
        let seen = events.iter().count();
        poll.registry().deregister(&mut a)?;
        trace::disable();
        Ok((poll.as_raw_fd(), a.as_raw_fd(), seen))
    })
    .unwrap();
    let (ep, a, seen) = fds;
    let got = lines_of(lines.take(), "traced");

    for line in &got {
        assert_eq!(line.layer, "selector", "{line:?}");
    }
    assert!(
        got.windows(2).all(|w| w[0].micros <= w[1].micros),
        "timestamps go back: {got:#?}"
    );
    let messages: Vec<&str> = got.iter().map(|l| l.message.as_str()).collect();
    let at = |prefix: &str| {
        messages
            .iter()
            .position(|m| m.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in {messages:#?}"))
    };
    let create = at(&format!("Poll::new → epoll_create1(EPOLL_CLOEXEC) = {ep}"));
    let pair =
        at("Socket::pair → socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, fds=[");
    let add = at(&format!(
        "Registry::register → epoll_ctl(epfd={ep}, ADD, fd={a}, token=3, READABLE | WRITABLE) = 0"
    ));
    let (waker_new, wake) = if cfg!(corium_force_pipe_waker) {
        (
            at("pipe::new → pipe2(fds=["),
            at("Waker::wake → write(pipe="),
        )
    } else {
        (
            at("Waker::new → eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK) = "),
            at("Waker::wake → write(eventfd="),
        )
    };
    let wait = at(&format!(
        "Poll::poll → epoll_wait(epfd={ep}, max=8, timeout=5000ms) = {seen}"
    ));
    let del = at(&format!(
        "Registry::deregister → epoll_ctl(epfd={ep}, DEL, fd={a}) = 0"
    ));
    assert!(
        create < waker_new
            && waker_new < pair
            && pair < add
            && add < wake
            && wake < wait
            && wait < del,
        "out of order: {messages:#?}"
    );
    // The waker's own registration, between its creation and the socket pair.
    let waker_add = at(&format!(
        "Registry::register → epoll_ctl(epfd={ep}, ADD, fd="
    ));
    assert!(waker_new < waker_add && waker_add < pair);
    assert!(messages[waker_add].ends_with("token=9, READABLE) = 0"));
    if !cfg!(corium_force_pipe_waker) {
        assert!(messages[wake].ends_with(", +1) = 8"), "{}", messages[wake]);
    }
    // One line per returned event, right after the wait, carrying the tokens.
    assert_eq!(seen, 2, "the wake and the writable pair");
    let polled: Vec<&str> = messages[wait + 1..wait + 1 + seen].to_vec();
    assert!(polled
        .iter()
        .all(|m| m.starts_with("Poll::poll ← epoll_event")));
    assert!(
        polled.iter().any(|m| m.contains("u64: 9"))
            && polled
                .iter()
                .any(|m| m.contains("EPOLLOUT") && m.contains("u64: 3"))
    );
}

#[test]
fn errors_are_named_and_addresses_shown() {
    let _serial = serial();
    let lines = trace::capture();
    let (listen_fd, port, stream_fd, accept_err) = on_thread("net", || {
        trace::enable_by_name("selector").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let accept_err = listener.accept().unwrap_err().kind();
        let stream = TcpStream::connect(addr).unwrap();
        trace::disable();
        (
            listener.as_raw_fd(),
            addr.port(),
            stream.as_raw_fd(),
            accept_err,
        )
    });
    assert_eq!(accept_err, ErrorKind::WouldBlock);
    let messages: Vec<String> = lines_of(lines.take(), "net")
        .into_iter()
        .map(|l| l.message)
        .collect();
    let has = |want: &str| {
        assert!(
            messages.iter().any(|m| m.starts_with(want)),
            "no line starting {want:?} in {messages:#?}"
        )
    };
    has(&format!(
        "Socket::bind → bind(fd={listen_fd}, 127.0.0.1:0) = 0"
    ));
    has(&format!("Socket::listen → listen(fd={listen_fd}, backlog="));
    has(&format!(
        "Socket::set_opt → setsockopt(fd={listen_fd}, SOL_SOCKET, SO_REUSEADDR, len=4) = 0"
    ));
    has(&format!(
        "Socket::local_addr → getsockname(fd={listen_fd}, addr=127.0.0.1:{port}) = 0"
    ));
    #[cfg(not(target_vendor = "apple"))]
    has(&format!(
        "Socket::accept → accept4(fd={listen_fd}, peer=-, SOCK_NONBLOCK|SOCK_CLOEXEC) = EAGAIN"
    ));
    let connect = messages
        .iter()
        .find(|m| m.starts_with("Socket::connect"))
        .expect("a connect line");
    let prefix = format!("Socket::connect → connect(fd={stream_fd}, 127.0.0.1:{port}) = ");
    assert!(connect.starts_with(&prefix), "{connect}");
    let result = &connect[prefix.len()..];
    // Loopback may finish the handshake inside the call; otherwise it is in progress.
    assert!(result == "EINPROGRESS" || result == "0", "{connect}");
}

#[test]
#[cfg(any(target_os = "linux", target_os = "android"))]
fn misuse_error_is_named() {
    use corium_selector_sys::net::UnixStream;

    let _serial = serial();
    let lines = trace::capture();
    let (ep, fd) = on_thread("misuse", || {
        trace::enable(&[Layer::Selector]);
        let poll = Poll::new().unwrap();
        let (mut a, _b) = UnixStream::pair().unwrap();
        let err = poll.registry().deregister(&mut a).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        trace::disable();
        (poll.as_raw_fd(), a.as_raw_fd())
    });
    let messages: Vec<String> = lines_of(lines.take(), "misuse")
        .into_iter()
        .map(|l| l.message)
        .collect();
    let want = format!("Registry::deregister → epoll_ctl(epfd={ep}, DEL, fd={fd}) = ENOENT");
    assert!(messages.contains(&want), "{messages:#?}");
}

#[test]
fn layer_filter_selects_lines() {
    let _serial = serial();
    let lines = trace::capture();
    on_thread("filter", || {
        trace::enable_by_name("reactor, net").unwrap();
        assert!(trace::enabled(Layer::Reactor) && trace::enabled(Layer::Net));
        assert!(!trace::enabled(Layer::Selector) && !trace::enabled(Layer::Executor));
        corium_selector_sys::trace!(
            Layer::Reactor,
            "fd {} token {} +WRITABLE write-tick {}→{}",
            7,
            3,
            1,
            2
        );
        corium_selector_sys::trace!(Layer::Executor, "task 5 → worker 1 lifo");
        let _ = Poll::new().unwrap(); // a selector syscall: filtered out
        corium_selector_sys::trace!(Layer::Net, "TcpStream::connect: 127.0.0.1:6142");

        let err = trace::enable_by_name("reactor,bogus").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("bogus"), "{err}");
        assert!(
            trace::enabled(Layer::Reactor),
            "a bad filter changed the filter"
        );

        trace::enable(&Layer::ALL);
        corium_selector_sys::trace!(Layer::Executor, "worker 0 PARKED_DRIVER → NOTIFIED");
        trace::enable_by_name("off").unwrap();
        corium_selector_sys::trace!(Layer::Reactor, "not shown");
    });
    let got: Vec<(String, String)> = lines_of(lines.take(), "filter")
        .into_iter()
        .map(|l| (l.layer, l.message))
        .collect();
    let want = [
        ("reactor", "fd 7 token 3 +WRITABLE write-tick 1→2"),
        ("net", "TcpStream::connect: 127.0.0.1:6142"),
        ("executor", "worker 0 PARKED_DRIVER → NOTIFIED"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn writer_gets_whole_lines_and_captures_take_precedence() {
    let _serial = serial();
    let out = Shared::default();
    trace::set_writer(Box::new(out.clone()));
    on_thread("writer", || {
        trace::enable(&[Layer::Net]);
        corium_selector_sys::trace!(Layer::Net, "to the writer");
        let captured = trace::capture();
        corium_selector_sys::trace!(Layer::Net, "to the capture");
        assert_eq!(captured.lines().len(), 1);
        assert!(captured.lines()[0].ends_with("[net]      to the capture"));
        drop(captured);
        corium_selector_sys::trace!(Layer::Net, "to the writer again");
        trace::disable();
    });
    trace::set_writer(Box::new(io::stderr()));
    let text = out.text();
    assert!(text.ends_with('\n'), "{text:?}");
    let lines: Vec<Line> = text.lines().map(parse_line).collect();
    let messages: Vec<&str> = lines.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(messages, ["to the writer", "to the writer again"]);
    assert!(lines
        .iter()
        .all(|l| l.thread == "writer" && l.layer == "net"));
}

#[test]
fn a_writer_that_makes_traced_calls_does_not_deadlock() {
    struct Chatty(Shared);
    impl io::Write for Chatty {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            // SAFETY: getpid has no preconditions.
            syscall!(getpid(); "Chatty::write", "from inside the writer")?;
            corium_selector_sys::trace!(Layer::Selector, "nested line");
            self.0.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let _serial = serial();
    let out = Shared::default();
    trace::set_writer(Box::new(Chatty(out.clone())));
    on_thread("chatty", || {
        trace::enable(&[Layer::Selector]);
        // SAFETY: getpid has no preconditions.
        syscall!(getpid(); "test", "outer").unwrap();
        trace::disable();
    });
    trace::set_writer(Box::new(io::stderr()));
    let text = out.text();
    let messages: Vec<String> = text.lines().map(|l| parse_line(l).message).collect();
    let pid = std::process::id();
    assert_eq!(messages, [format!("test → getpid(outer) = {pid}")]);
}

#[test]
fn dormant_trace_points_do_not_evaluate_their_arguments() {
    let _serial = serial();
    let evaluated = Cell::new(0);
    let touch = || {
        evaluated.set(evaluated.get() + 1);
        "x"
    };
    let lines = trace::capture();
    assert!(!trace::enabled(Layer::Reactor));
    corium_selector_sys::trace!(Layer::Reactor, "{}", touch());
    // SAFETY: getpid has no preconditions.
    syscall!(getpid(); "test", "{}", touch()).unwrap();
    let slice = corium_selector_sys::trace_slice!(Layer::Executor, "{}", touch());
    drop(slice);
    assert_eq!(
        evaluated.get(),
        0,
        "a dormant trace point evaluated its arguments"
    );

    trace::enable(&[Layer::Reactor, Layer::Selector]);
    corium_selector_sys::trace!(Layer::Reactor, "{}", touch());
    // SAFETY: getpid has no preconditions.
    syscall!(getpid(); "test", "{}", touch()).unwrap();
    trace::disable();
    assert_eq!(
        evaluated.get(),
        2,
        "an enabled trace point evaluates its arguments once"
    );
    assert!(lines.lines().len() >= 2);
}
