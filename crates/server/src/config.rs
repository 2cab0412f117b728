//! The configuration of `onshi`: one typed [`Config`] tree and the layering
//! that fills it.
//!
//! Layers, later ones winning key by key:
//!
//! 1. built-in defaults ([`Config::default`]);
//! 2. the TOML file: `--config PATH`, else `$ONSHI_CONFIG`, else `./onshi.toml`
//!    if it exists;
//! 3. environment variables `ONSHI_<SECTION>__<KEY>` (`ONSHI_DATA_DIR` for the
//!    top-level `data_dir`, `ONSHI_DB` as a short alias of `database.url`),
//!    each of which may instead be given as `…_FILE` naming a file that holds
//!    the value (for secrets mounted by Docker or Kubernetes);
//! 4. overrides from command-line flags, as `section.key=value` pairs.
//!
//! Unknown keys in the file or in the flags are errors; unknown `ONSHI_*`
//! variables are warnings that [`load`] returns for the caller to print.
//! Raw input is checked once here ("parse, then type"), so the rest of the
//! program only ever sees a valid [`Config`].
//!
//! This module reads the process environment only in [`ConfigSources::from_process`]
//! and [`Config::default`]; [`load`] itself works on the snapshot it is given, so
//! tests never touch the real environment.
//!
//! `docs/config.md` mirrors the doc comments of the fields below; a test checks
//! that it names every key.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The whole configuration of `onshi`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory for onshi's own files; the default SQLite database
    /// (`onshi.db`) lives here. Default: `$XDG_DATA_HOME/onshi`, else
    /// `~/.local/share/onshi`, else `./onshi-data`.
    /// Environment variable: `ONSHI_DATA_DIR`.
    pub data_dir: PathBuf,
    /// The HTTP server.
    #[serde(default)]
    pub server: ServerConfig,
    /// The database.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
    /// The operator API under `/admin`.
    #[serde(default)]
    pub admin: AdminConfig,
}

/// `[server]`: the HTTP server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on, as `HOST:PORT`. Port 0 picks a free
    /// port. Use `0.0.0.0:8080` to listen on every interface (behind a
    /// reverse proxy that terminates TLS). Default: `127.0.0.1:8080`.
    pub bind: String,
    /// On SIGINT or SIGTERM the server stops accepting connections and waits
    /// this many seconds for requests in flight to finish before it exits.
    /// Keep it below the orchestrator's kill timeout (Kubernetes: 30 s).
    /// Default: 25.
    pub shutdown_grace_seconds: u64,
    /// A request that takes longer than this many seconds is answered with
    /// `503 timeout`. Default: 30.
    pub request_timeout_seconds: u64,
    /// The URL at which relying parties reach this server, such as
    /// `https://onshi.example.jp`: written into the certificates the JPKI
    /// issues as their OCSP and CRL addresses (`{public_url}/jpki/…`).
    /// Unset: `http://` and `server.bind`, with an unspecified address
    /// (`0.0.0.0`, `[::]`) replaced by `127.0.0.1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
}

impl ServerConfig {
    /// [`ServerConfig::public_url`] or its default, without a trailing `/`.
    pub fn public_base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let bind = self.bind.replace("0.0.0.0:", "127.0.0.1:").replace("[::]:", "127.0.0.1:");
                format!("http://{bind}")
            }
        }
    }
}

/// `[database]`: where the data lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Database URL; its scheme picks the backend: `sqlite://PATH`,
    /// `sqlite::memory:` (tests only: nothing is kept) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`. Unset means
    /// `sqlite://{data_dir}/onshi.db`. Also read from `ONSHI_DB`, the short
    /// form the import commands document. Secret: give the PostgreSQL URL as
    /// `ONSHI_DATABASE__URL_FILE` to keep the password out of the environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Most connections onshi opens to the database: the PostgreSQL pool
    /// size; with SQLite, one writer and up to this many minus one readers.
    /// Default: 10.
    pub max_connections: u32,
}

/// `[log]`: what is logged and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `auto`, `json` or `pretty`. `auto` writes JSON lines when standard
    /// error is not a terminal (containers, systemd) and human-readable
    /// lines when it is. Default: `auto`.
    pub format: LogFormat,
    /// Which events to log, in `tracing` filter syntax: a level (`info`), or
    /// per-module levels such as `info,onshi_server=debug`. Default: `info`.
    pub filter: String,
}

/// `[admin]`: the operator API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Bearer token that the operator routes under `/admin` require, at least
    /// 16 characters (e.g. `openssl rand -hex 32`). Unset: those routes answer
    /// `403 admin_disabled`. Secret: prefer `ONSHI_ADMIN__TOKEN_FILE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON when standard error is not a terminal, pretty otherwise.
    #[default]
    Auto,
    /// One JSON object per line.
    Json,
    /// Human-readable lines, coloured.
    Pretty,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".to_owned(),
            shutdown_grace_seconds: 25,
            request_timeout_seconds: 30,
            public_url: None,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig { url: None, max_connections: 10 }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { format: LogFormat::Auto, filter: "info".to_owned() }
    }
}

impl Default for Config {
    /// The built-in defaults. `data_dir` depends on `$XDG_DATA_HOME` and
    /// `$HOME` of this process (not on `$ONSHI_DATA_DIR`, which is the
    /// environment layer).
    fn default() -> Self {
        Config::defaults_from(|name| std::env::var(name).ok())
    }
}

impl Config {
    /// The database URL to open: `database.url`, or the SQLite file
    /// `{data_dir}/onshi.db` when it is unset.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("onshi.db").display()),
        }
    }

    /// A copy with every secret replaced by `***`: the admin token and the
    /// password of a database URL (in its user info or a `password=` query
    /// parameter).
    pub fn redacted(&self) -> Config {
        let mut config = self.clone();
        config.database.url = config.database.url.as_deref().map(redact_url);
        if config.admin.token.is_some() {
            config.admin.token = Some(REDACTED.to_owned());
        }
        config
    }

    /// The redacted configuration as TOML, for `onshi config show`.
    pub fn to_redacted_toml(&self) -> String {
        toml::to_string_pretty(&self.redacted()).expect("the config tree has only strings, integers and tables")
    }

    fn defaults_from(var: impl Fn(&str) -> Option<String>) -> Config {
        let data_dir = match (var("XDG_DATA_HOME"), var("HOME")) {
            // XDG Base Directory Specification: a relative $XDG_DATA_HOME is
            // invalid and must be ignored.
            (Some(xdg), _) if Path::new(&xdg).is_absolute() => PathBuf::from(xdg).join("onshi"),
            (_, Some(home)) if !home.is_empty() => PathBuf::from(home).join(".local/share/onshi"),
            _ => PathBuf::from("onshi-data"),
        };
        Config {
            data_dir,
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            log: LogConfig::default(),
            admin: AdminConfig::default(),
        }
    }
}

/// Everything [`load`] reads from, captured up front so that loading is a
/// pure function of it.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    /// The `--config PATH` flag. Wins over `$ONSHI_CONFIG`.
    pub config_file: Option<PathBuf>,
    /// Snapshot of the environment (all variables; only `ONSHI_*`,
    /// `XDG_DATA_HOME` and `HOME` are looked at).
    pub env: Vec<(String, String)>,
    /// Flag overrides as (`section.key`, value), applied in order.
    pub overrides: Vec<(String, String)>,
    /// Where to look for `./onshi.toml` when no file is named. `None`: the
    /// current directory.
    pub working_dir: Option<PathBuf>,
}

impl ConfigSources {
    /// Sources with the real process environment and no flags.
    pub fn from_process() -> ConfigSources {
        let env = std::env::vars_os()
            .map(|(name, value)| (name.to_string_lossy().into_owned(), value.to_string_lossy().into_owned()))
            .collect();
        ConfigSources { env, ..ConfigSources::default() }
    }

    /// Name the config file, as `--config PATH` does.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> ConfigSources {
        self.config_file = Some(path.into());
        self
    }

    /// Add one environment variable to the snapshot.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> ConfigSources {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Add one flag override, e.g. `("server.bind", "0.0.0.0:8080")`.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> ConfigSources {
        self.overrides.push((key.into(), value.into()));
        self
    }

    /// Look for `./onshi.toml` in this directory instead of the current one.
    pub fn working_dir(mut self, dir: impl Into<PathBuf>) -> ConfigSources {
        self.working_dir = Some(dir.into());
        self
    }
}

/// Split a `--set section.key=value` flag into its key and value.
pub fn parse_override(given: &str) -> Result<(String, String), ConfigError> {
    match given.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_owned(), value.to_owned())),
        _ => Err(ConfigError::BadOverride { given: given.to_owned() }),
    }
}

/// The loaded configuration and what the caller should know about it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// Unknown or ignored `ONSHI_*` variables, for the caller to print.
    pub warnings: Vec<ConfigWarning>,
    /// The layers that contributed, lowest first; always starts with
    /// [`Layer::Defaults`].
    pub layers: Vec<Layer>,
    /// Where the value of each key came from, keyed by `section.key`.
    pub origins: BTreeMap<String, Origin>,
}

/// One layer of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    Defaults,
    File(PathBuf),
    /// The environment variables that were used.
    Env(Vec<String>),
    /// The `section.key` of each flag override.
    Flags(Vec<String>),
}

/// Where one value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    File(PathBuf),
    /// The environment variable, e.g. `ONSHI_SERVER__BIND` or `ONSHI_ADMIN__TOKEN_FILE`.
    Env(String),
    /// The command-line override, by its `section.key`.
    Flag(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("the built-in default"),
            Origin::File(path) => write!(f, "config file {}", path.display()),
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::Flag(key) => write!(f, "command-line override {key}"),
        }
    }
}

/// Something about the configuration the operator should see but that does
/// not stop onshi: an unknown `ONSHI_*` variable, most likely a typo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    pub variable: String,
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

/// Why the configuration could not be loaded. Each names the key, the layer
/// it came from and the rule it broke.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path} (from {named_by})")]
    ReadFile {
        path: PathBuf,
        /// What named the file: `--config`, `ONSHI_CONFIG` or the default `./onshi.toml`.
        named_by: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("unknown key `{key}` in {origin}{}", suggestion_text(.suggestion))]
    UnknownKey { key: String, origin: Origin, suggestion: Option<String> },
    #[error("`{key}` from {origin}: {rule}")]
    Invalid { key: String, origin: Origin, rule: String },
    #[error("cannot read the file named by {variable} ({path})")]
    SecretFile {
        variable: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{key}` is set both by {first} and by {second}; set it only once")]
    Conflict { key: String, first: Origin, second: Origin },
    #[error("override {given:?} is not of the form section.key=value")]
    BadOverride { given: String },
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(known) => format!("; did you mean `{known}`?"),
        None => String::new(),
    }
}

/// Load the configuration from its layers and check it.
pub fn load(sources: ConfigSources) -> Result<Loaded, ConfigError> {
    let env = Env(&sources.env);
    let defaults = Config::defaults_from(|name| env.get(name).map(str::to_owned));
    let mut merged = toml::Table::try_from(&defaults).expect("the config tree serialises to a TOML table");
    let mut origins: BTreeMap<String, Origin> =
        KEYS.iter().map(|spec| (spec.key.to_owned(), Origin::Default)).collect();
    let mut layers = vec![Layer::Defaults];
    let mut warnings = Vec::new();

    if let Some((path, named_by)) = config_file_path(&sources, &env) {
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::ReadFile {
            path: path.clone(),
            named_by,
            source,
        })?;
        let table: toml::Table = toml::from_str(&text)
            .map_err(|error| ConfigError::Syntax { path: path.clone(), message: error.to_string() })?;
        let origin = Origin::File(path.clone());
        for (key, value) in file_entries(&table, &origin)? {
            set_key(&mut merged, key, Some(value));
            origins.insert(key.to_owned(), origin.clone());
        }
        layers.push(Layer::File(path));
    }

    let env_entries = env_entries(&env, &mut warnings)?;
    if !env_entries.is_empty() {
        let mut used = Vec::new();
        for (spec, variable, value) in env_entries {
            let origin = Origin::Env(variable.clone());
            let value = spec.kind.parse_text(&value).map_err(|rule| ConfigError::Invalid {
                key: spec.key.to_owned(),
                origin: origin.clone(),
                rule,
            })?;
            set_key(&mut merged, spec.key, value);
            origins.insert(spec.key.to_owned(), origin);
            used.push(variable);
        }
        layers.push(Layer::Env(used));
    }

    if !sources.overrides.is_empty() {
        let mut used = Vec::new();
        for (key, value) in &sources.overrides {
            let origin = Origin::Flag(key.clone());
            let spec = KeySpec::find(key).ok_or_else(|| ConfigError::UnknownKey {
                key: key.clone(),
                origin: origin.clone(),
                suggestion: suggest(key, known_keys_and_sections()),
            })?;
            let value = spec.kind.parse_text(value).map_err(|rule| ConfigError::Invalid {
                key: spec.key.to_owned(),
                origin: origin.clone(),
                rule,
            })?;
            set_key(&mut merged, spec.key, value);
            origins.insert(spec.key.to_owned(), origin);
            used.push(key.clone());
        }
        layers.push(Layer::Flags(used));
    }

    // Every leaf was checked against its kind above, so a failure here is a
    // bug in KEYS rather than bad input; it is still reported, not a panic.
    let config: Config = toml::Value::Table(merged).try_into().map_err(|error: toml::de::Error| {
        ConfigError::Invalid { key: "(configuration)".to_owned(), origin: Origin::Default, rule: error.to_string() }
    })?;
    validate(&config, &origins)?;
    Ok(Loaded { config, warnings, layers, origins })
}

const REDACTED: &str = "***";

/// Variables that start with `ONSHI_` but are not configuration keys.
const NOT_CONFIG: &[&str] = &[
    "ONSHI_CONFIG",
    "ONSHI_TEST_POSTGRES_URL",
    // Credentials the command-line clients (a clinic's side) read.
    "ONSHI_CLIENT_ID",
    "ONSHI_CLIENT_SECRET",
    "ONSHI_PIN",
];

/// The short alias of `database.url`.
const DB_ALIAS: &str = "ONSHI_DB";

/// Every leaf key of [`Config`], with how a text value (from the environment or
/// a flag) becomes a typed one. A unit test keeps this list equal to the
/// fields of the tree.
const KEYS: &[KeySpec] = &[
    KeySpec { key: "data_dir", kind: Kind::Path },
    KeySpec { key: "server.bind", kind: Kind::Text },
    KeySpec { key: "server.shutdown_grace_seconds", kind: Kind::Number },
    KeySpec { key: "server.request_timeout_seconds", kind: Kind::Number },
    KeySpec { key: "server.public_url", kind: Kind::OptionalText },
    KeySpec { key: "database.url", kind: Kind::OptionalText },
    KeySpec { key: "database.max_connections", kind: Kind::Number },
    KeySpec { key: "log.format", kind: Kind::Choice(&["auto", "json", "pretty"]) },
    KeySpec { key: "log.filter", kind: Kind::Text },
    KeySpec { key: "admin.token", kind: Kind::OptionalText },
];

#[derive(Debug, Clone, Copy)]
struct KeySpec {
    key: &'static str,
    kind: Kind,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    /// Text where an empty value (from the environment or a flag) means unset.
    OptionalText,
    Path,
    /// A non-negative whole number.
    Number,
    Choice(&'static [&'static str]),
}

impl KeySpec {
    fn find(key: &str) -> Option<&'static KeySpec> {
        KEYS.iter().find(|spec| spec.key == key)
    }

    fn env_name(&self) -> String {
        format!("ONSHI_{}", self.key.replace('.', "__").to_ascii_uppercase())
    }
}

impl Kind {
    /// Turn a value from the environment or a flag into a TOML value; `None`
    /// unsets an optional key.
    fn parse_text(self, text: &str) -> Result<Option<toml::Value>, String> {
        match self {
            Kind::Text => Ok(Some(toml::Value::String(text.to_owned()))),
            Kind::OptionalText if text.is_empty() => Ok(None),
            Kind::OptionalText => Ok(Some(toml::Value::String(text.to_owned()))),
            Kind::Path if text.is_empty() => Err("must not be empty".to_owned()),
            Kind::Path => Ok(Some(toml::Value::String(text.to_owned()))),
            Kind::Number => match text.trim().parse::<u32>() {
                Ok(number) => Ok(Some(toml::Value::Integer(i64::from(number)))),
                Err(_) => Err(format!("must be a whole number from 0 to {}, got {text:?}", u32::MAX)),
            },
            Kind::Choice(choices) => {
                let lower = text.trim().to_ascii_lowercase();
                if choices.contains(&lower.as_str()) {
                    Ok(Some(toml::Value::String(lower)))
                } else {
                    Err(format!("must be one of {}, got {text:?}", choices.join(", ")))
                }
            }
        }
    }

    /// Check a value from the TOML file.
    fn check(self, value: &toml::Value) -> Result<(), String> {
        match (self, value) {
            (Kind::Text | Kind::OptionalText, toml::Value::String(_)) => Ok(()),
            (Kind::Path, toml::Value::String(text)) if !text.is_empty() => Ok(()),
            (Kind::Path, toml::Value::String(_)) => Err("must not be empty".to_owned()),
            (Kind::Number, toml::Value::Integer(number)) if u32::try_from(*number).is_ok() => Ok(()),
            (Kind::Number, _) => Err(format!("must be a whole number from 0 to {}, got {value}", u32::MAX)),
            (Kind::Choice(choices), toml::Value::String(text)) if choices.contains(&text.as_str()) => Ok(()),
            (Kind::Choice(choices), _) => Err(format!("must be one of {}, got {value}", choices.join(", "))),
            (_, _) => Err(format!("must be a string, got {value}")),
        }
    }
}

/// A read-only view of an environment snapshot.
struct Env<'a>(&'a [(String, String)]);

impl Env<'_> {
    /// The last value of a variable, as a process environment would hold it.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

fn config_file_path(sources: &ConfigSources, env: &Env<'_>) -> Option<(PathBuf, &'static str)> {
    if let Some(path) = &sources.config_file {
        return Some((path.clone(), "--config"));
    }
    if let Some(path) = env.get("ONSHI_CONFIG").filter(|path| !path.is_empty()) {
        return Some((PathBuf::from(path), "ONSHI_CONFIG"));
    }
    let dir = sources.working_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let default = dir.join("onshi.toml");
    default.is_file().then_some((default, "the default ./onshi.toml"))
}

/// The leaves of the file, each checked against [`KEYS`].
fn file_entries(table: &toml::Table, origin: &Origin) -> Result<Vec<(&'static str, toml::Value)>, ConfigError> {
    fn walk(
        table: &toml::Table,
        prefix: &str,
        origin: &Origin,
        out: &mut Vec<(&'static str, toml::Value)>,
    ) -> Result<(), ConfigError> {
        for (name, value) in table {
            let key = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
            if let Some(spec) = KeySpec::find(&key) {
                spec.kind.check(value).map_err(|rule| ConfigError::Invalid {
                    key: key.clone(),
                    origin: origin.clone(),
                    rule,
                })?;
                out.push((spec.key, value.clone()));
                continue;
            }
            let is_section = KEYS.iter().any(|spec| spec.key.starts_with(&format!("{key}.")));
            match value {
                toml::Value::Table(inner) if is_section => walk(inner, &key, origin, out)?,
                _ if is_section => {
                    return Err(ConfigError::Invalid {
                        key,
                        origin: origin.clone(),
                        rule: "is a section: write it as a [table]".to_owned(),
                    });
                }
                _ => {
                    return Err(ConfigError::UnknownKey {
                        suggestion: suggest(&key, known_keys_and_sections()),
                        key,
                        origin: origin.clone(),
                    });
                }
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(table, "", origin, &mut out)?;
    Ok(out)
}

/// The `ONSHI_*` variables that set keys, with `_FILE` values read. Unknown
/// ones become warnings.
fn env_entries(
    env: &Env<'_>,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Vec<(&'static KeySpec, String, String)>, ConfigError> {
    let mut names: Vec<&str> =
        env.0.iter().map(|(name, _)| name.as_str()).filter(|name| name.starts_with("ONSHI_")).collect();
    names.sort_unstable();
    names.dedup();

    let mut found: Vec<(&'static KeySpec, String, String)> = Vec::new();
    for name in names {
        let value = env.get(name).unwrap_or_default();
        if NOT_CONFIG.contains(&name) {
            continue;
        }
        let (base, from_file) = match name.strip_suffix("_FILE") {
            Some(base) if key_for_env(base).is_some() => (base, true),
            _ => (name, false),
        };
        let Some(spec) = key_for_env(base) else {
            let known = KEYS
                .iter()
                .map(KeySpec::env_name)
                .chain([DB_ALIAS.to_owned()])
                .chain(NOT_CONFIG.iter().map(|n| (*n).to_owned()));
            let message = match suggest(name, known) {
                Some(known) => format!("not a configuration variable, ignored; did you mean {known}?"),
                None => "not a configuration variable, ignored".to_owned(),
            };
            warnings.push(ConfigWarning { variable: name.to_owned(), message });
            continue;
        };
        let value = if from_file {
            let path = PathBuf::from(value);
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::SecretFile {
                variable: name.to_owned(),
                path: path.clone(),
                source,
            })?;
            // Secret files usually end with a newline that is not part of the value.
            text.trim_end_matches(['\n', '\r']).to_owned()
        } else {
            value.to_owned()
        };
        if let Some((_, first, _)) = found.iter().find(|(other, _, _)| other.key == spec.key) {
            return Err(ConfigError::Conflict {
                key: spec.key.to_owned(),
                first: Origin::Env(first.clone()),
                second: Origin::Env(name.to_owned()),
            });
        }
        found.push((spec, name.to_owned(), value));
    }
    Ok(found)
}

fn key_for_env(name: &str) -> Option<&'static KeySpec> {
    if name == DB_ALIAS {
        return KeySpec::find("database.url");
    }
    KEYS.iter().find(|spec| spec.env_name() == name)
}

/// Every key and every section name, for suggestions.
fn known_keys_and_sections() -> impl Iterator<Item = String> {
    let sections = KEYS.iter().filter_map(|spec| spec.key.split_once('.').map(|(section, _)| section.to_owned()));
    KEYS.iter().map(|spec| spec.key.to_owned()).chain(sections)
}

/// Set a dotted key in a table, creating sections; `None` removes it.
fn set_key(table: &mut toml::Table, key: &str, value: Option<toml::Value>) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let leaf = parts.pop().expect("split yields at least one part");
    let mut current = table;
    for part in parts {
        let entry = current.entry(part.to_owned()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        current = entry.as_table_mut().expect("made a table just above");
    }
    match value {
        Some(value) => {
            current.insert(leaf.to_owned(), value);
        }
        None => {
            current.remove(leaf);
        }
    }
}

/// Rules that go beyond the type of each value.
fn validate(config: &Config, origins: &BTreeMap<String, Origin>) -> Result<(), ConfigError> {
    let fail = |key: &str, rule: String| ConfigError::Invalid {
        key: key.to_owned(),
        origin: origins.get(key).cloned().unwrap_or(Origin::Default),
        rule,
    };
    if !valid_bind(&config.server.bind) {
        return Err(fail(
            "server.bind",
            format!("must be HOST:PORT such as 127.0.0.1:8080, got {:?}", config.server.bind),
        ));
    }
    if let Some(url) = &config.server.public_url
        && (!(url.starts_with("http://") || url.starts_with("https://")) || !url.is_ascii() || url.contains(' '))
    {
        return Err(fail(
            "server.public_url",
            format!("must be an ASCII http:// or https:// URL such as https://onshi.example.jp, got {url:?}"),
        ));
    }
    if config.server.shutdown_grace_seconds > 3600 {
        return Err(fail("server.shutdown_grace_seconds", "must be at most 3600 (one hour)".to_owned()));
    }
    if !(1..=3600).contains(&config.server.request_timeout_seconds) {
        return Err(fail("server.request_timeout_seconds", "must be from 1 to 3600".to_owned()));
    }
    if let Some(url) = &config.database.url
        && !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://"))
    {
        return Err(fail(
            "database.url",
            format!("must start with sqlite:// or postgres://, got {:?}", redact_url(url)),
        ));
    }
    if config.database.max_connections == 0 {
        return Err(fail("database.max_connections", "must be at least 1".to_owned()));
    }
    if let Err(error) = tracing_subscriber::EnvFilter::try_new(&config.log.filter) {
        return Err(fail("log.filter", format!("is not a valid tracing filter: {error}")));
    }
    if let Some(token) = &config.admin.token
        && token.chars().count() < 16
    {
        return Err(fail("admin.token", "must be at least 16 characters (try `openssl rand -hex 32`)".to_owned()));
    }
    Ok(())
}

fn valid_bind(bind: &str) -> bool {
    if bind.parse::<SocketAddr>().is_ok() {
        return true;
    }
    // A host name: HOST:PORT with a non-empty host and a numeric port.
    match bind.rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && !host.contains(['/', ' ']) && port.parse::<u16>().is_ok(),
        None => false,
    }
}

/// Hide the password of a database URL: `postgres://user:***@host/db`, and
/// the value of a `password=` query parameter.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:{REDACTED}@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}={REDACTED}"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// The known name closest to `given`, if it is close enough to be a typo.
fn suggest(given: &str, known: impl Iterator<Item = String>) -> Option<String> {
    let squash = |text: &str| text.to_ascii_lowercase().replace(['_', '.'], "");
    let given_squashed = squash(given);
    known
        .map(|candidate| {
            let distance = if squash(&candidate) == given_squashed {
                0
            } else {
                edit_distance(&given_squashed, &squash(&candidate))
            };
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b_char) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests;
