//! `serve` over a real loopback socket: answers, then shuts down gracefully.

use std::net::SocketAddr;
use std::time::Duration;

use onshi_server::config::{self, ConfigSources};
use onshi_server::serve_with_shutdown;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::TestApp;

fn test_config(grace_seconds: u64) -> onshi_server::Config {
    let dir = tempfile::tempdir().expect("tempdir");
    let sources = ConfigSources::default()
        .working_dir(dir.path())
        .set("server.bind", "127.0.0.1:0")
        .set("server.shutdown_grace_seconds", grace_seconds.to_string());
    config::load(sources).expect("test config").config
}

async fn http_get(address: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read answer");
    answer
}

#[tokio::test]
async fn serve_answers_healthz_over_http_and_stops_when_told() {
    let app = TestApp::new().await;
    let config = test_config(5);
    let (address_tx, address_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve_with_shutdown(
            &config,
            app.state,
            move |address| address_tx.send(address).expect("the test waits for the address"),
            async move {
                let _ = stop_rx.await;
            },
        )
        .await
    });
    let address = address_rx.await.expect("ready was called");
    assert!(address.ip().is_loopback());
    assert_ne!(address.port(), 0, "port 0 is replaced by the bound port");

    let answer = http_get(address, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with(r#"{"status":"ok"}"#), "{answer}");

    stop_tx.send(()).expect("server is running");
    let outcome = tokio::time::timeout(Duration::from_secs(5), server).await.expect("stops promptly");
    outcome.expect("server task").expect("clean shutdown");
    assert!(TcpStream::connect(address).await.is_err(), "no longer listening");
}

#[tokio::test]
async fn a_stalled_client_does_not_hold_shutdown_past_the_grace_period() {
    let app = TestApp::new().await;
    let config = test_config(1);
    let (address_tx, address_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve_with_shutdown(
            &config,
            app.state,
            move |address| address_tx.send(address).expect("the test waits for the address"),
            async move {
                let _ = stop_rx.await;
            },
        )
        .await
    });
    let address = address_rx.await.expect("ready was called");
    // A request whose headers never finish.
    let mut stalled = TcpStream::connect(address).await.expect("connect");
    stalled.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("send half a request");
    tokio::time::sleep(Duration::from_millis(100)).await;

    stop_tx.send(()).expect("server is running");
    let outcome = tokio::time::timeout(Duration::from_secs(4), server).await.expect("stops within the grace period");
    outcome.expect("server task").expect("shutdown after the grace period is not an error");
}

#[tokio::test]
async fn a_taken_port_is_a_bind_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let config =
        config::load(ConfigSources::default().working_dir(dir.path()).set("server.bind", format!("127.0.0.1:{port}")))
            .expect("config")
            .config;
    let app = TestApp::new().await;
    let error = serve_with_shutdown(&config, app.state, |_| panic!("must not be ready"), std::future::pending())
        .await
        .expect_err("port in use");
    assert!(error.to_string().contains(&format!("127.0.0.1:{port}")), "{error}");
}
