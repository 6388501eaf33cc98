//! `examples/deadline_echo.rs`: its `#[corium::main]` `main` returns `io::Result` and runs to
//! `Ok`; its server stops at its connection count, or at the deadline when clients are
//! missing.

use std::time::Duration;

#[path = "../examples/deadline_echo.rs"]
mod deadline_echo;

#[test]
fn the_result_returning_main_runs_to_ok() {
    deadline_echo::main().expect("main returned an error");
}

#[corium::test]
async fn every_client_gets_its_echo_and_the_server_stops_at_its_count() {
    let report = deadline_echo::run(3, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        report,
        deadline_echo::Report {
            accepted: 3,
            timed_out: false,
            echoes: vec!["hello 0\n".into(), "hello 1\n".into(), "hello 2\n".into()],
        }
    );
}

#[corium::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_ends_a_server_whose_clients_never_come() {
    let listener = corium::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let report = deadline_echo::serve(listener, 2, Duration::from_millis(20)).await;
    assert_eq!(report.unwrap(), (0, true));
}
