//! The load client: identical for both servers, no runtime, one thread. An edge-triggered
//! poll loop on `corium::sys` (the bare selector) in which every connection keeps exactly one
//! message in flight and checks every echo byte for byte. The hyper bench reuses it with a
//! fixed request and a reply of known length ([`Client::connect_request`]).

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use corium::sys::net::TcpStream as SysStream;
use corium::sys::{Events, Interest, Poll, Token};

use crate::STALL;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Sending,
    Receiving,
}

/// One client connection: a message, the space for its echo, and where it is in the exchange.
struct Conn {
    stream: SysStream,
    message: Vec<u8>,
    /// The reply's room: as long as the message for an echo, the reply's length otherwise.
    echo: Vec<u8>,
    /// `Some(check)` for a fixed request whose reply is not an echo: `check` accepts it.
    reply_check: Option<fn(&[u8]) -> bool>,
    done: usize,
    round: u64,
    phase: Phase,
}

impl Conn {
    fn begin(&mut self) {
        if self.reply_check.is_none() {
            self.message[..8].copy_from_slice(&self.round.to_le_bytes());
        }
        self.done = 0;
        self.phase = Phase::Sending;
    }

    /// Advances until the socket would block; `may_start` decides whether a completed round
    /// trip is followed by another. Returns the round trips completed.
    fn drive(&mut self, may_start: &mut impl FnMut() -> bool) -> io::Result<u64> {
        let mut completed = 0;
        loop {
            let step = match self.phase {
                Phase::Idle => return Ok(completed),
                Phase::Sending => self.stream.write(&self.message[self.done..]),
                Phase::Receiving => self.stream.read(&mut self.echo[self.done..]),
            };
            match step {
                Ok(0) if self.phase == Phase::Receiving => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed a connection mid-run",
                    ))
                }
                Ok(n) => self.done += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(completed),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let target = match self.phase {
                Phase::Receiving => self.echo.len(),
                _ => self.message.len(),
            };
            if self.done < target {
                continue;
            }
            if self.phase == Phase::Sending {
                self.phase = Phase::Receiving;
                self.done = 0;
                continue;
            }
            let good = match self.reply_check {
                Some(check) => check(&self.echo),
                None => self.echo == self.message,
            };
            if !good {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("round {}: the echo differs from the message", self.round),
                ));
            }
            completed += 1;
            self.round += 1;
            if may_start() {
                self.begin();
            } else {
                self.phase = Phase::Idle;
            }
        }
    }
}

/// `conns` connections to one server, driven by one poll loop.
pub(crate) struct Client {
    poll: Poll,
    events: Events,
    conns: Vec<Conn>,
    /// Round trips completed over the client's life (warm-up included).
    pub(crate) total: u64,
}

impl Client {
    pub(crate) fn connect(addr: SocketAddr, conns: usize, size: usize) -> io::Result<Client> {
        Client::connect_with(addr, conns, size, None)
    }

    /// `conns` connections each sending `request` and expecting a `reply_len`-byte reply that
    /// `check` accepts (an HTTP request and its fixed-length response, say).
    #[allow(dead_code)] // The echo bench only echoes.
    pub(crate) fn connect_request(
        addr: SocketAddr,
        conns: usize,
        request: &[u8],
        reply_len: usize,
        check: fn(&[u8]) -> bool,
    ) -> io::Result<Client> {
        let mut client = Client::connect_with(addr, conns, request.len(), Some(check))?;
        for conn in &mut client.conns {
            conn.message = request.to_vec();
            conn.echo = vec![0; reply_len];
        }
        Ok(client)
    }

    fn connect_with(
        addr: SocketAddr,
        conns: usize,
        size: usize,
        reply_check: Option<fn(&[u8]) -> bool>,
    ) -> io::Result<Client> {
        let poll = Poll::new()?;
        let mut all = Vec::with_capacity(conns);
        for id in 0..conns {
            // A blocking connect is simplest and, on loopback, immediate.
            let std_stream = std::net::TcpStream::connect(addr)?;
            std_stream.set_nodelay(true)?;
            std_stream.set_nonblocking(true)?;
            let mut stream = SysStream::from_std(std_stream);
            poll.registry().register(
                &mut stream,
                Token(id),
                Interest::READABLE | Interest::WRITABLE,
            )?;
            let message = (0..size)
                .map(|i| (i as u64).wrapping_mul(131).wrapping_add(id as u64) as u8)
                .collect();
            all.push(Conn {
                stream,
                message,
                echo: vec![0; size],
                reply_check,
                done: 0,
                round: 0,
                phase: Phase::Idle,
            });
        }
        Ok(Client {
            poll,
            events: Events::with_capacity(1024),
            conns: all,
            total: 0,
        })
    }

    /// Starts at most `budget` round trips, none after `deadline`, and waits for all of them
    /// (so every connection is idle again on return). Returns the round trips completed.
    pub(crate) fn run(&mut self, budget: u64, deadline: Option<Instant>) -> io::Result<u64> {
        let mut left = budget;
        let mut stopping = false;
        let mut completed = 0;
        for conn in &mut self.conns {
            if take(&mut left, false) {
                conn.begin();
            }
        }
        for conn in &mut self.conns {
            completed += conn.drive(&mut || take(&mut left, stopping))?;
        }
        let mut active = self.conns.iter().filter(|c| c.phase != Phase::Idle).count();
        while active > 0 {
            match self.poll.poll(&mut self.events, Some(STALL)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            if self.events.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no echo for {STALL:?}: the server is stuck"),
                ));
            }
            stopping = stopping || deadline.is_some_and(|d| Instant::now() >= d);
            for event in self.events.iter() {
                let conn = &mut self.conns[event.token().0];
                if conn.phase == Phase::Idle {
                    continue;
                }
                completed += conn.drive(&mut || take(&mut left, stopping))?;
                if conn.phase == Phase::Idle {
                    active -= 1;
                }
            }
        }
        self.total += completed;
        Ok(completed)
    }

    /// Runs `bursts` bursts, each one round trip on every connection at once, with `gap`
    /// of silence after each, so that every burst finds the server idle (parked in its
    /// poller). Returns the round trips completed.
    pub(crate) fn run_paced(&mut self, bursts: u64, gap: Duration) -> io::Result<u64> {
        let mut completed = 0;
        for _ in 0..bursts {
            completed += self.run(self.conns.len() as u64, None)?;
            std::thread::sleep(gap);
        }
        Ok(completed)
    }
}

/// Takes one unit of `left` unless stopping or exhausted.
fn take(left: &mut u64, stopping: bool) -> bool {
    if stopping || *left == 0 {
        return false;
    }
    *left -= 1;
    true
}
