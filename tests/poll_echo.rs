//! Drives `examples/poll_echo.rs` (seed 003's poll loop) end to end.

#[path = "../examples/poll_echo.rs"]
#[allow(dead_code)]
mod poll_echo;

#[test]
fn poll_echo_serves_every_client_and_exits() {
    for clients in [1, 3, 40] {
        let options = poll_echo::Options {
            addr: "127.0.0.1:0".parse().unwrap(),
            clients,
        };
        let summary = poll_echo::run(&options).expect("poll_echo failed");
        let line_len = |i: usize| format!("ping from client {i}\n").len();
        assert_eq!(summary.accepted, clients);
        assert_eq!(summary.closed, clients);
        assert_eq!(summary.echoed, (0..clients).map(line_len).sum::<usize>());
    }
}
