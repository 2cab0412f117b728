//! `onshi-loadgen`: a closed-loop load generator for the online eligibility
//! API of `onshi serve`.
//!
//! Each of `--workers` tasks holds one keep-alive HTTP/1.1 connection and
//! sends its next request as soon as the last one is answered. Requests
//! completed during the warm-up are not counted; after it, every completed
//! operation is counted and its latency recorded in an HDR histogram
//! (microseconds, 3 significant digits).
//!
//! Scenarios:
//!
//! - `card`: one card check is a pair, `POST /jpki/challenges` then
//!   `POST /facility/eligibility/card` with the challenge signed by a card's
//!   user-authentication key (RSASSA-PKCS1-v1_5 SHA-256, as the card does).
//!   Checks/s counts completed pairs. By default the generator signs each
//!   challenge inline, on its own threads, so the card's RSA signature shares
//!   the machine with the server; the time spent signing is reported apart
//!   and is not part of the pair's latency. With `--presign` the run has three
//!   phases instead: challenges only (measured), signing all of them (the
//!   server idle), checks only (measured); the pair rate is then
//!   `1 / (1/challenges_per_s + 1/checks_per_s)`, the rate the server sustains
//!   without the cards' signing on the same cores.
//! - `insured-number`: `POST /facility/eligibility/insured-number` for member
//!   rows drawn at random from a `members.csv`.
//!
//! CPU use over the measured window is read from `/proc`: the generator's
//! own, any `--watch-pid` process's and, with `--watch-comm`, every process
//! of that name (e.g. `postgres`), beside the whole machine's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Parser, Subcommand};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use rand::Rng;
use serde::Deserialize;
use tokio::net::TcpStream;

#[derive(Debug, Parser)]
#[command(name = "onshi-loadgen", about = "Load generator for onshi's online eligibility API")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Card checks: challenge, the card's signature, check (one pair = one check).
    Card(CardArgs),
    /// Insured-number checks for random rows of a members.csv.
    InsuredNumber(NumberArgs),
}

#[derive(Debug, Args)]
struct Common {
    /// The server, `HOST:PORT` (plain HTTP).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The facility's OAuth client id (`onshi facility add-client`).
    #[arg(long, env = "ONSHI_CLIENT_ID")]
    client_id: String,
    #[arg(long, env = "ONSHI_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// Concurrent workers, one keep-alive connection each.
    #[arg(long, default_value_t = 64)]
    workers: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 30.0)]
    duration: f64,
    /// Seconds run before measuring.
    #[arg(long, default_value_t = 5.0)]
    warmup: f64,
    /// The generator's runtime threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Report the CPU time of this process (e.g. `onshi serve`); repeatable.
    #[arg(long)]
    watch_pid: Vec<u32>,
    /// Report the CPU time of every process with this name (e.g. `postgres`).
    #[arg(long)]
    watch_comm: Vec<String>,
    /// Report the CPU time of every process whose command line contains
    /// this text (e.g. a database name: PostgreSQL backends show it).
    #[arg(long)]
    watch_cmdline: Vec<String>,
    /// A label printed on the summary line.
    #[arg(long, default_value = "")]
    label: String,
}

#[derive(Debug, Args)]
struct CardArgs {
    #[command(flatten)]
    common: Common,
    /// A directory of card files (`onshi card issue --out`).
    #[arg(long)]
    cards: PathBuf,
    /// Fetch challenges, sign them while the server is idle, then send the
    /// checks: measures the server without the cards' signing.
    #[arg(long)]
    presign: bool,
}

#[derive(Debug, Args)]
struct NumberArgs {
    #[command(flatten)]
    common: Common,
    /// The members.csv the database was imported from.
    #[arg(long)]
    members: PathBuf,
    /// Use at most this many rows of the file (spread over all of it).
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let threads = match &cli.scenario {
        Scenario::Card(a) => a.common.threads,
        Scenario::InsuredNumber(a) => a.common.threads,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(async {
        match cli.scenario {
            Scenario::Card(args) => card(args).await,
            Scenario::InsuredNumber(args) => number(args).await,
        }
    })
}

// ---------------------------------------------------------------- HTTP

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

struct Reply {
    status: StatusCode,
    body: Bytes,
}

impl Conn {
    fn new(addr: SocketAddr) -> Conn {
        Conn { addr, host: addr.to_string(), sender: None }
    }

    async fn connect(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr).await.with_context(|| format!("cannot reach {}", self.addr))?;
            stream.set_nodelay(true)?;
            let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            self.sender = Some(sender);
        }
        self.sender.as_mut().context("no connection")
    }

    async fn post(
        &mut self,
        path: &str,
        content_type: &str,
        authorization: Option<&str>,
        body: Bytes,
    ) -> anyhow::Result<Reply> {
        let host = self.host.clone();
        let sender = self.connect().await?;
        let mut request = Request::post(path).header(header::HOST, host).header(header::CONTENT_TYPE, content_type);
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let request = request.body(Full::new(body))?;
        sender.ready().await?;
        let result = async {
            let response = sender.send_request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::Ok(Reply { status, body })
        }
        .await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }
}

async fn access_token(common: &Common) -> anyhow::Result<String> {
    let mut conn = Conn::new(common.addr);
    let basic = STANDARD.encode(format!("{}:{}", common.client_id, common.client_secret));
    let reply = conn
        .post(
            "/oauth/token",
            "application/x-www-form-urlencoded",
            Some(&format!("Basic {basic}")),
            Bytes::from_static(b"grant_type=client_credentials"),
        )
        .await?;
    let value: serde_json::Value = serde_json::from_slice(&reply.body).context("the token answer is not JSON")?;
    match value["access_token"].as_str() {
        Some(token) if reply.status.is_success() => Ok(format!("Bearer {token}")),
        _ => bail!("the server refused the client ({}): {value}", reply.status),
    }
}

// ---------------------------------------------------------------- recording

/// What one worker saw after the warm-up.
struct Record {
    /// Completed operations (pairs for card checks).
    done: u64,
    /// Operation latency, µs.
    latency: Histogram<u64>,
    /// Card checks: the two requests apart, µs.
    challenge: Histogram<u64>,
    check: Histogram<u64>,
    /// Card checks: the generator's signing, µs.
    signing: Histogram<u64>,
    /// `200 validity=1`, `422 challenge_used`, `io`, …
    outcomes: BTreeMap<String, u64>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("1 µs to 60 s at 3 significant digits are valid bounds")
}

impl Record {
    fn new() -> Record {
        Record {
            done: 0,
            latency: histogram(),
            challenge: histogram(),
            check: histogram(),
            signing: histogram(),
            outcomes: BTreeMap::new(),
        }
    }

    fn merge(&mut self, other: &Record) {
        self.done += other.done;
        let _ = self.latency.add(&other.latency);
        let _ = self.challenge.add(&other.challenge);
        let _ = self.check.add(&other.check);
        let _ = self.signing.add(&other.signing);
        for (k, v) in &other.outcomes {
            *self.outcomes.entry(k.clone()).or_default() += v;
        }
    }

    fn outcome(&mut self, key: String) {
        *self.outcomes.entry(key).or_default() += 1;
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).clamp(1, 60_000_000)
}

#[derive(Deserialize)]
struct ErrorReply {
    code: Option<String>,
}

#[derive(Deserialize)]
struct Validity {
    code: u8,
}

#[derive(Deserialize)]
struct AnswerReply {
    validity: Validity,
}

/// `200 validity=N`, or the status and error code.
fn outcome_of(reply: &Reply) -> String {
    if reply.status.is_success() {
        match serde_json::from_slice::<AnswerReply>(&reply.body) {
            Ok(a) => format!("{} validity={}", reply.status.as_u16(), a.validity.code),
            Err(_) => format!("{} (not an answer)", reply.status.as_u16()),
        }
    } else {
        let code = serde_json::from_slice::<ErrorReply>(&reply.body).ok().and_then(|e| e.code);
        format!("{} {}", reply.status.as_u16(), code.as_deref().unwrap_or("?"))
    }
}

fn is_error(outcome: &str) -> bool {
    !outcome.starts_with("200 validity") && !outcome.starts_with("201")
}

// ---------------------------------------------------------------- CPU

/// CPU ticks (user + system) of processes, from `/proc`.
fn ticks_of_stat(stat: &str) -> Option<(String, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat[open + 1..close].to_owned();
    let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
    // Fields after the comm start at field 3 (state); utime is 14, stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

fn pid_ticks(pid: &str) -> Option<(String, u64)> {
    ticks_of_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn pids() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().filter(|n| n.bytes().all(|b| b.is_ascii_digit())).map(str::to_owned))
        .collect()
}

fn comm_ticks(comm: &str) -> u64 {
    pids().iter().filter_map(|pid| pid_ticks(pid)).filter(|(c, _)| c == comm).map(|(_, t)| t).sum()
}

fn cmdline_ticks(text: &str) -> u64 {
    pids()
        .iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(text) && !c.starts_with(b"/proc"))
        })
        .filter(|pid| pid.as_str() != std::process::id().to_string())
        .filter_map(|pid| pid_ticks(pid))
        .map(|(_, t)| t)
        .sum()
}

/// (busy, total) ticks of the whole machine.
fn machine_ticks() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = text.lines().next() else { return (0, 0) };
    let values: Vec<u64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let total: u64 = values.iter().sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

struct CpuSnapshot {
    at: Instant,
    me: u64,
    pids: Vec<u64>,
    comms: Vec<u64>,
    cmdlines: Vec<u64>,
    machine: (u64, u64),
}

/// Linux's USER_HZ, the unit of `/proc` CPU times.
const TICKS_PER_SECOND: f64 = 100.0;

fn cpu_snapshot(common: &Common) -> CpuSnapshot {
    CpuSnapshot {
        at: Instant::now(),
        me: pid_ticks("self").map_or(0, |(_, t)| t),
        pids: common.watch_pid.iter().map(|p| pid_ticks(&p.to_string()).map_or(0, |(_, t)| t)).collect(),
        comms: common.watch_comm.iter().map(|c| comm_ticks(c)).collect(),
        cmdlines: common.watch_cmdline.iter().map(|c| cmdline_ticks(c)).collect(),
        machine: machine_ticks(),
    }
}

/// Lines describing the CPU used between two snapshots, as cores and as
/// CPU-µs per completed operation.
fn cpu_report(common: &Common, a: &CpuSnapshot, b: &CpuSnapshot, ops: u64) -> Vec<String> {
    let wall = (b.at - a.at).as_secs_f64();
    let line = |name: String, ticks: u64| {
        let seconds = ticks as f64 / TICKS_PER_SECOND;
        let per_op = if ops > 0 { seconds * 1e6 / ops as f64 } else { 0.0 };
        format!("cpu {name}: {:.2} cores, {per_op:.0} CPU-µs per operation", seconds / wall)
    };
    let mut out = vec![line("generator".into(), b.me.saturating_sub(a.me))];
    for (i, pid) in common.watch_pid.iter().enumerate() {
        out.push(line(format!("pid {pid}"), b.pids[i].saturating_sub(a.pids[i])));
    }
    for (i, comm) in common.watch_comm.iter().enumerate() {
        out.push(line(format!("all {comm}"), b.comms[i].saturating_sub(a.comms[i])));
    }
    for (i, text) in common.watch_cmdline.iter().enumerate() {
        out.push(line(format!("command lines with {text:?}"), b.cmdlines[i].saturating_sub(a.cmdlines[i])));
    }
    let busy = b.machine.0.saturating_sub(a.machine.0) as f64;
    let total = b.machine.1.saturating_sub(a.machine.1).max(1) as f64;
    out.push(format!("cpu machine: {:.0} % busy", 100.0 * busy / total));
    out
}

// ---------------------------------------------------------------- report

fn quantiles(h: &Histogram<u64>) -> String {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    format!(
        "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms (n={})",
        ms(0.5),
        ms(0.9),
        ms(0.99),
        ms(0.999),
        h.max() as f64 / 1000.0,
        h.len()
    )
}

fn print_outcomes(record: &Record) {
    for (outcome, n) in &record.outcomes {
        println!("  {n:>10}  {outcome}");
    }
}

fn errors(record: &Record) -> u64 {
    record.outcomes.iter().filter(|(k, _)| is_error(k)).map(|(_, v)| v).sum()
}

/// The one line the bench script collects.
fn summary(label: &str, scenario: &str, rate: f64, latency: &Histogram<u64>, errors: u64) {
    println!(
        "RESULT label={label} scenario={scenario} rate={rate:.0} p50_ms={:.2} p99_ms={:.2} errors={errors}",
        latency.value_at_quantile(0.5) as f64 / 1000.0,
        latency.value_at_quantile(0.99) as f64 / 1000.0,
    );
}

// ---------------------------------------------------------------- timing

#[derive(Clone, Copy)]
struct Window {
    measure_from: Instant,
    end: Instant,
}

impl Window {
    fn new(common: &Common) -> Window {
        let start = Instant::now();
        let measure_from = start + Duration::from_secs_f64(common.warmup);
        Window { measure_from, end: measure_from + Duration::from_secs_f64(common.duration) }
    }

    fn measured(&self, t: Instant) -> bool {
        t >= self.measure_from && t < self.end
    }
}

/// Wait for the warm-up to end and snapshot the CPU counters; then for the
/// window to end and snapshot them again.
async fn cpu_over_window(common: &Common, window: Window) -> (CpuSnapshot, CpuSnapshot) {
    tokio::time::sleep_until(window.measure_from.into()).await;
    let a = cpu_snapshot(common);
    tokio::time::sleep_until(window.end.into()).await;
    (a, cpu_snapshot(common))
}

// ---------------------------------------------------------------- cards

struct Card {
    key: RsaKeyPair,
    certificate_b64: String,
}

fn hex(text: &str) -> anyhow::Result<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        bail!("odd-length hex");
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).with_context(|| format!("bad hex at {i}")))
        .collect()
}

fn load_cards(dir: &Path) -> anyhow::Result<Vec<Card>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let cards = paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let file: serde_json::Value = serde_json::from_str(&text)?;
            let auth = &file["jpki"]["auth"];
            let key = hex(auth["key_pkcs8"].as_str().context("no jpki.auth.key_pkcs8")?)?;
            let certificate = hex(auth["certificate"].as_str().context("no jpki.auth.certificate")?)?;
            let key = RsaKeyPair::from_pkcs8(&key).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            Ok(Card { key, certificate_b64: STANDARD.encode(certificate) })
        })
        .collect::<anyhow::Result<Vec<Card>>>()?;
    if cards.is_empty() {
        bail!("no card files (*.json) in {}", dir.display());
    }
    Ok(cards)
}

fn sign(card: &Card, rng: &SystemRandom, nonce: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut signature = vec![0; card.key.public_modulus_len()];
    card.key.sign(&RSA_PKCS1_SHA256, rng, nonce, &mut signature).map_err(|_| anyhow::anyhow!("signing failed"))?;
    Ok(signature)
}

#[derive(Deserialize)]
struct ChallengeReply {
    challenge_id: String,
    challenge: String,
}

fn check_body(challenge_id: &str, card: &Card, signature: &[u8]) -> Bytes {
    Bytes::from(
        serde_json::json!({
            "challenge_id": challenge_id,
            "certificate": card.certificate_b64,
            "signature": STANDARD.encode(signature),
            "consent": { "clinical_drug": true, "checkup": false },
        })
        .to_string(),
    )
}

/// Ask for a challenge: its id and nonce, or the outcome that refused it.
async fn challenge(conn: &mut Conn) -> Result<(String, Vec<u8>), String> {
    match conn.post("/jpki/challenges", "application/json", None, Bytes::new()).await {
        Ok(reply) if reply.status == StatusCode::CREATED => serde_json::from_slice::<ChallengeReply>(&reply.body)
            .ok()
            .and_then(|c| Some((c.challenge_id, STANDARD.decode(c.challenge).ok()?)))
            .ok_or_else(|| "201 (not a challenge)".to_owned()),
        Ok(reply) => Err(format!("challenge {}", outcome_of(&reply))),
        Err(_) => Err("io".to_owned()),
    }
}

async fn card(args: CardArgs) -> anyhow::Result<()> {
    let cards = Arc::new(load_cards(&args.cards)?);
    let token: Arc<str> = access_token(&args.common).await?.into();
    println!(
        "card checks: {} cards, {} workers, {} generator threads, warm-up {} s, {} s measured, signing {}",
        cards.len(),
        args.common.workers,
        args.common.threads,
        args.common.warmup,
        args.common.duration,
        if args.presign { "before the checks (--presign)" } else { "inline, in the generator" }
    );
    if args.presign { presigned(args, cards, token).await } else { inline(args, cards, token).await }
}

async fn inline(args: CardArgs, cards: Arc<Vec<Card>>, token: Arc<str>) -> anyhow::Result<()> {
    let common = &args.common;
    let window = Window::new(common);
    let mut tasks = Vec::new();
    for worker in 0..common.workers {
        let (cards, token) = (cards.clone(), token.clone());
        let addr = common.addr;
        let stride = common.workers;
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let mut record = Record::new();
            let rng = SystemRandom::new();
            let mut next = worker;
            while Instant::now() < window.end {
                let card = &cards[next % cards.len()];
                next += stride;
                let t0 = Instant::now();
                let (id, nonce) = match challenge(&mut conn).await {
                    Ok(c) => c,
                    Err(outcome) => {
                        if window.measured(Instant::now()) {
                            record.outcome(outcome);
                        }
                        continue;
                    }
                };
                let t1 = Instant::now();
                let Ok(signature) = sign(card, &rng, &nonce) else { continue };
                let body = check_body(&id, card, &signature);
                let t2 = Instant::now();
                let reply = conn.post("/facility/eligibility/card", "application/json", Some(&token), body).await;
                let t3 = Instant::now();
                if !window.measured(t3) {
                    continue;
                }
                let outcome = match &reply {
                    Ok(reply) => outcome_of(reply),
                    Err(_) => "io".to_owned(),
                };
                if !is_error(&outcome) {
                    record.done += 1;
                    record.latency.saturating_record(micros((t1 - t0) + (t3 - t2)));
                    record.challenge.saturating_record(micros(t1 - t0));
                    record.check.saturating_record(micros(t3 - t2));
                    record.signing.saturating_record(micros(t2 - t1));
                }
                record.outcome(outcome);
            }
            record
        }));
    }
    let (a, b) = cpu_over_window(common, window).await;
    let mut total = Record::new();
    for task in tasks {
        total.merge(&task.await?);
    }
    let seconds = common.duration;
    let rate = total.done as f64 / seconds;
    println!(
        "card checks completed (challenge + check pairs answered 200): {} in {seconds} s = {rate:.0} /s",
        total.done
    );
    println!("pair latency (challenge + check, without the signing): {}", quantiles(&total.latency));
    println!("  challenge: {}", quantiles(&total.challenge));
    println!("  check:     {}", quantiles(&total.check));
    println!("  generator signing (not in the latency): {}", quantiles(&total.signing));
    println!("outcomes of the checks:");
    print_outcomes(&total);
    for line in cpu_report(common, &a, &b, total.done) {
        println!("{line}");
    }
    summary(&common.label, "card", rate, &total.latency, errors(&total));
    Ok(())
}

/// A challenge waiting for its signature and check.
struct Pending {
    card: usize,
    id: String,
    nonce: Vec<u8>,
    signature: Vec<u8>,
}

async fn presigned(args: CardArgs, cards: Arc<Vec<Card>>, token: Arc<str>) -> anyhow::Result<()> {
    let common = &args.common;
    // Phase 1: challenges only.
    let window = Window::new(common);
    let mut tasks = Vec::new();
    for worker in 0..common.workers {
        let addr = common.addr;
        let (stride, n) = (common.workers, cards.len());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let mut record = Record::new();
            let mut pending = Vec::new();
            let mut next = worker;
            while Instant::now() < window.end {
                let t0 = Instant::now();
                let result = challenge(&mut conn).await;
                let t1 = Instant::now();
                match result {
                    Ok((id, nonce)) => {
                        pending.push(Pending { card: next % n, id, nonce, signature: Vec::new() });
                        next += stride;
                        if window.measured(t1) {
                            record.done += 1;
                            record.latency.saturating_record(micros(t1 - t0));
                            record.outcome("201".to_owned());
                        }
                    }
                    Err(outcome) if window.measured(t1) => record.outcome(outcome),
                    Err(_) => {}
                }
            }
            (record, pending)
        }));
    }
    let (a, b) = cpu_over_window(common, window).await;
    let mut challenges = Record::new();
    let mut queues = Vec::new();
    for task in tasks {
        let (record, pending) = task.await?;
        challenges.merge(&record);
        queues.push(pending);
    }
    let challenge_rate = challenges.done as f64 / common.duration;
    println!("phase 1, challenges only: {} in {} s = {challenge_rate:.0} /s", challenges.done, common.duration);
    println!("  latency: {}", quantiles(&challenges.latency));
    print_outcomes(&challenges);
    for line in cpu_report(common, &a, &b, challenges.done) {
        println!("  {line}");
    }

    // Phase 2: sign every challenge, the server idle.
    let started = Instant::now();
    let signed: usize = {
        let threads = common.threads.max(1);
        let chunks: Vec<Vec<Vec<Pending>>> = {
            let mut chunks: Vec<Vec<Vec<Pending>>> = (0..threads).map(|_| Vec::new()).collect();
            for (i, q) in queues.into_iter().enumerate() {
                chunks[i % threads].push(q);
            }
            chunks
        };
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|mut chunk| {
                let cards = cards.clone();
                tokio::task::spawn_blocking(move || {
                    let rng = SystemRandom::new();
                    for p in chunk.iter_mut().flatten() {
                        p.signature = sign(&cards[p.card], &rng, &p.nonce).unwrap_or_default();
                    }
                    chunk
                })
            })
            .collect();
        queues = Vec::new();
        for h in handles {
            queues.extend(h.await?);
        }
        queues.iter().map(Vec::len).sum()
    };
    let sign_seconds = started.elapsed().as_secs_f64();
    println!(
        "phase 2, the cards' signatures: {signed} in {sign_seconds:.1} s = {:.0} /s on {} threads (server idle)",
        signed as f64 / sign_seconds,
        common.threads
    );

    // Phase 3: checks only, from the signed challenges (each worker its own
    // connection and queue; a worker that runs out stops).
    let window = Window::new(common);
    let mut tasks = Vec::new();
    for queue in queues {
        let (cards, token) = (cards.clone(), token.clone());
        let addr = common.addr;
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let mut record = Record::new();
            for p in queue {
                if Instant::now() >= window.end {
                    break;
                }
                let body = check_body(&p.id, &cards[p.card], &p.signature);
                let t0 = Instant::now();
                let reply = conn.post("/facility/eligibility/card", "application/json", Some(&token), body).await;
                let t1 = Instant::now();
                if !window.measured(t1) {
                    continue;
                }
                let outcome = match &reply {
                    Ok(reply) => outcome_of(reply),
                    Err(_) => "io".to_owned(),
                };
                if !is_error(&outcome) {
                    record.done += 1;
                    record.latency.saturating_record(micros(t1 - t0));
                }
                record.outcome(outcome);
            }
            record
        }));
    }
    let (a, b) = cpu_over_window(common, window).await;
    let mut checks = Record::new();
    for task in tasks {
        checks.merge(&task.await?);
    }
    let check_rate = checks.done as f64 / common.duration;
    println!("phase 3, checks only: {} in {} s = {check_rate:.0} /s", checks.done, common.duration);
    println!("  latency: {}", quantiles(&checks.latency));
    print_outcomes(&checks);
    for line in cpu_report(common, &a, &b, checks.done) {
        println!("  {line}");
    }
    let pair_rate =
        if challenge_rate > 0.0 && check_rate > 0.0 { 1.0 / (1.0 / challenge_rate + 1.0 / check_rate) } else { 0.0 };
    println!(
        "pairs the server sustains without the cards' signing: 1 / (1/{challenge_rate:.0} + 1/{check_rate:.0}) = {pair_rate:.0} /s"
    );
    summary(&common.label, "card-presigned", pair_rate, &checks.latency, errors(&checks) + errors(&challenges));
    Ok(())
}

// ---------------------------------------------------------------- insured numbers

#[derive(Debug, Deserialize)]
struct MemberRow {
    insurer_number: String,
    symbol: String,
    number: String,
    branch: String,
    birth_date: String,
}

fn load_members(path: &Path, rows: usize) -> anyhow::Result<Vec<Bytes>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let all: Vec<MemberRow> = reader.deserialize().collect::<Result<_, _>>()?;
    let step = (all.len() / rows.max(1)).max(1);
    Ok(all
        .iter()
        .step_by(step)
        .take(rows)
        .map(|m| {
            Bytes::from(
                serde_json::json!({
                    "insurer_number": m.insurer_number,
                    "symbol": m.symbol,
                    "number": m.number,
                    "branch": m.branch,
                    "birth_date": m.birth_date,
                })
                .to_string(),
            )
        })
        .collect())
}

async fn number(args: NumberArgs) -> anyhow::Result<()> {
    let common = &args.common;
    let bodies = Arc::new(load_members(&args.members, args.rows)?);
    let token: Arc<str> = access_token(common).await?.into();
    println!(
        "insured-number checks: {} member rows, {} workers, {} generator threads, warm-up {} s, {} s measured",
        bodies.len(),
        common.workers,
        common.threads,
        common.warmup,
        common.duration
    );
    let window = Window::new(common);
    let mut tasks = Vec::new();
    for _ in 0..common.workers {
        let (bodies, token) = (bodies.clone(), token.clone());
        let addr = common.addr;
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let mut record = Record::new();
            while Instant::now() < window.end {
                let body = bodies[rand::rng().random_range(0..bodies.len())].clone();
                let t0 = Instant::now();
                let reply =
                    conn.post("/facility/eligibility/insured-number", "application/json", Some(&token), body).await;
                let t1 = Instant::now();
                if !window.measured(t1) {
                    continue;
                }
                let outcome = match &reply {
                    Ok(reply) => outcome_of(reply),
                    Err(_) => "io".to_owned(),
                };
                if !is_error(&outcome) {
                    record.done += 1;
                    record.latency.saturating_record(micros(t1 - t0));
                }
                record.outcome(outcome);
            }
            record
        }));
    }
    let (a, b) = cpu_over_window(common, window).await;
    let mut total = Record::new();
    for task in tasks {
        total.merge(&task.await?);
    }
    let rate = total.done as f64 / common.duration;
    println!("insured-number checks answered 200: {} in {} s = {rate:.0} /s", total.done, common.duration);
    println!("latency: {}", quantiles(&total.latency));
    println!("outcomes:");
    print_outcomes(&total);
    for line in cpu_report(common, &a, &b, total.done) {
        println!("{line}");
    }
    summary(&common.label, "insured-number", rate, &total.latency, errors(&total));
    Ok(())
}
