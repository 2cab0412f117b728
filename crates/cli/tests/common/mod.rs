//! Helpers shared by the end-to-end test binaries: the real `onshi`
//! executable, a server it starts, and plain HTTP requests to it.

#![allow(dead_code)] // each test binary uses a different subset

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};

pub(crate) fn onshi() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onshi"));
    // Keep the developer's own configuration out of the tests.
    for (name, _) in std::env::vars() {
        if name.starts_with("ONSHI_") {
            command.env_remove(name);
        }
    }
    command
}

pub(crate) fn run(command: &mut Command) -> Output {
    command.output().expect("onshi runs")
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `onshi serve` on a free port of 127.0.0.1 with the given database; stops
/// (SIGTERM) when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: String,
    /// The data directory when the server was given a fresh one.
    _data_dir: Option<tempfile::TempDir>,
}

impl Server {
    /// With a fresh data directory (where the JPKI authority is created).
    pub(crate) fn start(db: &str) -> Server {
        let data_dir = tempfile::tempdir().expect("data dir");
        let mut server = Server::start_in(db, data_dir.path(), &[]);
        server._data_dir = Some(data_dir);
        server
    }

    /// With the given data directory and extra `--set` overrides.
    pub(crate) fn start_in(db: &str, data_dir: &std::path::Path, sets: &[&str]) -> Server {
        Server::start_at(db, data_dir, "127.0.0.1:0", sets)
    }

    /// On a given address (a platform started again where its readers know it).
    pub(crate) fn start_at(db: &str, data_dir: &std::path::Path, bind: &str, sets: &[&str]) -> Server {
        let mut command = onshi();
        command.env("ONSHI_DATA_DIR", data_dir).args(["serve", "--bind", bind, "--db", db, "--set", "log.format=json"]);
        for set in sets {
            command.args(["--set", set]);
        }
        let child = command.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().expect("spawn onshi serve");
        // From here on the guard kills and reaps the process on every path.
        let mut server = Server { child, addr: String::new(), _data_dir: None };
        let mut lines = BufReader::new(server.child.stderr.take().expect("stderr"));
        let mut seen = String::new();
        for _ in 0..50 {
            let mut line = String::new();
            if lines.read_line(&mut line).expect("read stderr") == 0 {
                break;
            }
            seen.push_str(&line);
            if let Some(rest) = line.split("http://").nth(1) {
                server.addr = rest.split('/').next().expect("address").to_owned();
                // Keep draining stderr so the server never blocks on a full pipe.
                std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
                return server;
            }
        }
        panic!("onshi serve printed no listening line: {seen}");
    }

    /// Send SIGTERM and return the exit code.
    pub(crate) fn stop(mut self) -> Option<i32> {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
        let code = self.child.wait().expect("wait").code();
        std::mem::forget(self);
        code
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn http_get(addr: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

/// A port of 127.0.0.1 that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}
