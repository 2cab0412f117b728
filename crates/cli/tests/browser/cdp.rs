//! A small Chrome DevTools Protocol client for the browser tests: headless
//! Chromium started with `--remote-debugging-port=0`, one WebSocket per page
//! (RFC 6455, text frames only), and the few commands the tests need:
//! navigate, evaluate, click, wait, screenshot, a phone's viewport and the
//! cookies kept.
//!
//! Written here rather than taken from crates.io: the tests need five
//! commands, and a client of that size is smaller than the dependency trees
//! of the driver crates.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// A headless Chromium; killed when dropped.
pub(crate) struct Browser {
    child: Child,
    /// `127.0.0.1:PORT` of the DevTools endpoint.
    devtools: String,
    browser_path: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(crate) fn start(width: u32, height: u32) -> Browser {
        let chromium = std::env::var("ONSHI_TEST_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
        let profile = tempfile::tempdir().expect("profile dir");
        let child = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // The reception page polls; a page in the background must not be slowed.
                "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows",
                "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1",
            ])
            .arg(format!("--window-size={width},{height}"))
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run {chromium}: {e}; install it with `apt-get install chromium` (scripts/test.sh does)")
            });
        // From here on the guard kills and reaps Chromium on every path.
        let mut browser = Browser { child, devtools: String::new(), browser_path: String::new(), _profile: profile };
        let mut lines = BufReader::new(browser.child.stderr.take().expect("stderr"));
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).expect("read chromium's stderr") == 0 {
                panic!("chromium printed no DevTools address: {seen}");
            }
            seen.push_str(&line);
            if let Some(url) = line.trim().strip_prefix("DevTools listening on ws://") {
                let (host, path) = url.split_once('/').expect("ws://HOST:PORT/PATH");
                browser.devtools = host.to_owned();
                browser.browser_path = format!("/{path}");
                std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
                return browser;
            }
        }
    }

    /// A new tab.
    pub(crate) fn page(&self) -> Page {
        let mut browser = Socket::connect(&self.devtools, &self.browser_path);
        let created = browser.call("Target.createTarget", json!({ "url": "about:blank" }));
        let target = created["targetId"].as_str().expect("a target id");
        let mut page = Page { socket: Socket::connect(&self.devtools, &format!("/devtools/page/{target}")) };
        page.socket.call("Page.enable", json!({}));
        page.socket.call("Runtime.enable", json!({}));
        page
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One tab.
pub(crate) struct Page {
    socket: Socket,
}

impl Page {
    pub(crate) fn goto(&mut self, url: &str) {
        let answer = self.socket.call("Page.navigate", json!({ "url": url }));
        assert!(answer.get("errorText").is_none(), "cannot open {url}: {answer}");
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'", "the page to load");
    }

    /// The value of a JavaScript expression, or the exception it threw.
    pub(crate) fn try_eval(&mut self, expression: &str) -> Result<Value, String> {
        let answer = self.socket.try_call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        )?;
        if let Some(exception) = answer.get("exceptionDetails") {
            return Err(exception.to_string());
        }
        Ok(answer["result"]["value"].clone())
    }

    pub(crate) fn eval(&mut self, expression: &str) -> Value {
        self.try_eval(expression).unwrap_or_else(|e| panic!("{expression}: {e}"))
    }

    pub(crate) fn text(&mut self, selector: &str) -> String {
        let expression = format!("document.querySelector({selector:?})?.innerText ?? ''");
        self.eval(&expression).as_str().unwrap_or_default().to_owned()
    }

    /// Click the element, as a finger on the touch screen would.
    pub(crate) fn click(&mut self, selector: &str) {
        let expression = format!(
            "(() => {{ const e = document.querySelector({selector:?}); if (!e) return false; e.click(); return true; }})()"
        );
        assert_eq!(self.eval(&expression), Value::Bool(true), "nothing to click at {selector}");
    }

    /// Wait until the expression is true (pages load and reload between checks).
    pub(crate) fn wait_for(&mut self, expression: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            // While a form submission navigates, evaluation fails: try again.
            if let Ok(Value::Bool(true)) = self.try_eval(expression) {
                return;
            }
            if Instant::now() > deadline {
                let body = self.try_eval("document.body?.innerText ?? ''").unwrap_or_default();
                panic!("waited 15 s for {what} ({expression}); the page says: {body}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait for the kiosk screen named `name` (`data-screen`).
    pub(crate) fn screen(&mut self, name: &str) {
        let expression = format!(
            "document.readyState === 'complete' && document.querySelector('main')?.dataset.screen === {name:?}"
        );
        self.wait_for(&expression, &format!("the screen {name}"));
    }

    /// Show the page as a phone does: `width`×`height` CSS pixels at
    /// `scale` device pixels each, with a mobile viewport.
    pub(crate) fn emulate_phone(&mut self, width: u32, height: u32, scale: u32) {
        self.socket.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": scale, "mobile": true }),
        );
    }

    /// Every cookie the browser keeps for the page, as DevTools reports
    /// them (HttpOnly ones too).
    pub(crate) fn cookies(&mut self) -> Value {
        self.socket.call("Network.enable", json!({}));
        self.socket.call("Network.getCookies", json!({}))["cookies"].clone()
    }

    /// The PNG bytes of what the page shows.
    pub(crate) fn screenshot_png(&mut self) -> Vec<u8> {
        let answer = self.socket.call("Page.captureScreenshot", json!({ "format": "png" }));
        let data = answer["data"].as_str().expect("screenshot data");
        base64::engine::general_purpose::STANDARD.decode(data).expect("base64 PNG")
    }

    pub(crate) fn screenshot(&mut self, path: &Path) {
        let answer = self.socket.call("Page.captureScreenshot", json!({ "format": "png" }));
        let data = answer["data"].as_str().expect("screenshot data");
        let png = base64::engine::general_purpose::STANDARD.decode(data).expect("base64 PNG");
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// A WebSocket client connection to one DevTools target.
struct Socket {
    stream: TcpStream,
    next_id: u64,
}

impl Socket {
    fn connect(host: &str, path: &str) -> Socket {
        let mut stream = TcpStream::connect(host).expect("connect to DevTools");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        // RFC 6455 §4.1: the key is any 16 random bytes in base64; DevTools
        // does not check the answer's accept hash against it, nor do we.
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: b25zaGkta2lvc2stdGVzdA==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .expect("send the handshake");
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).expect("read the handshake");
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "DevTools refused the WebSocket: {head}");
        Socket { stream, next_id: 1 }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.try_call(method, params).unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    fn try_call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "id": id, "method": method, "params": params }).to_string());
        loop {
            let message: Value = serde_json::from_str(&self.receive()).expect("DevTools sends JSON");
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    return Err(error.to_string());
                }
                return Ok(message["result"].clone());
            }
            // Events (no id) are not needed: the tests poll the page instead.
        }
    }

    /// RFC 6455 §5.2: a final text frame, masked as a client must.
    fn send(&mut self, text: &str) {
        let payload = text.as_bytes();
        let mut frame = vec![0x81];
        match payload.len() {
            len if len < 126 => frame.push(0x80 | len as u8),
            len if len <= 0xFFFF => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            len => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        let mask = [0x6f, 0x6e, 0x73, 0x68];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).expect("send to DevTools");
    }

    /// The next whole message, joined from its fragments.
    fn receive(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.stream.read_exact(&mut head).expect("read from DevTools");
            let fin = head[0] & 0x80 != 0;
            let opcode = head[0] & 0x0F;
            let mut len = u64::from(head[1] & 0x7F);
            if len == 126 {
                let mut ext = [0u8; 2];
                self.stream.read_exact(&mut ext).expect("length");
                len = u64::from(u16::from_be_bytes(ext));
            } else if len == 127 {
                let mut ext = [0u8; 8];
                self.stream.read_exact(&mut ext).expect("length");
                len = u64::from_be_bytes(ext);
            }
            let mut mask = [0u8; 4];
            if head[1] & 0x80 != 0 {
                self.stream.read_exact(&mut mask).expect("mask");
            }
            let mut payload = vec![0u8; usize::try_from(len).expect("a frame that fits in memory")];
            self.stream.read_exact(&mut payload).expect("payload");
            if head[1] & 0x80 != 0 {
                payload.iter_mut().enumerate().for_each(|(i, b)| *b ^= mask[i % 4]);
            }
            match opcode {
                0x8 => panic!("DevTools closed the connection"),
                // Ping and pong carry nothing the tests need.
                0x9 | 0xA => continue,
                _ => message.extend_from_slice(&payload),
            }
            if fin {
                return String::from_utf8(message).expect("UTF-8 text frame");
            }
        }
    }
}
