//! The config layers: defaults < file < environment < flags.

use std::path::{Path, PathBuf};

use onshi_server::config::{self, ConfigError, ConfigSources, Layer, LogFormat, Origin};

/// Sources with no environment, looking for `onshi.toml` in an empty
/// directory, so the machine running the tests cannot leak in.
fn sources(dir: &Path) -> ConfigSources {
    ConfigSources::default().working_dir(dir).env("HOME", "/home/onshi")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

fn load(sources: ConfigSources) -> config::Loaded {
    config::load(sources).unwrap_or_else(|error| panic!("load failed: {error}"))
}

fn load_err(sources: ConfigSources) -> String {
    match config::load(sources) {
        Ok(loaded) => panic!("expected an error, got {:?}", loaded.config),
        Err(error) => error.to_string(),
    }
}

#[test]
fn defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loaded = load(sources(dir.path()));
    let config = &loaded.config;
    assert_eq!(config.server.bind, "127.0.0.1:8080");
    assert_eq!(config.server.shutdown_grace_seconds, 25);
    assert_eq!(config.server.request_timeout_seconds, 30);
    assert_eq!(config.database.url, None);
    assert_eq!(config.database.max_connections, 10);
    assert_eq!(config.data_dir, PathBuf::from("/home/onshi/.local/share/onshi"));
    assert_eq!(config.database_url(), "sqlite:///home/onshi/.local/share/onshi/onshi.db");
    assert_eq!(config.log.format, LogFormat::Auto);
    assert_eq!(config.log.filter, "info");
    assert_eq!(config.admin.token, None);
    assert_eq!(loaded.layers, vec![Layer::Defaults]);
    assert!(loaded.warnings.is_empty());
    assert!(loaded.origins.values().all(|origin| *origin == Origin::Default));
}

#[test]
fn file_overrides_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "custom.toml",
        r#"
data_dir = "/srv/onshi"
[server]
bind = "0.0.0.0:9000"
[log]
format = "json"
"#,
    );
    let loaded = load(sources(dir.path()).config_file(&file));
    assert_eq!(loaded.config.server.bind, "0.0.0.0:9000");
    assert_eq!(loaded.config.log.format, LogFormat::Json);
    assert_eq!(loaded.config.server.request_timeout_seconds, 30, "untouched keys keep their default");
    assert_eq!(loaded.config.database_url(), "sqlite:///srv/onshi/onshi.db");
    assert_eq!(loaded.layers, vec![Layer::Defaults, Layer::File(file.clone())]);
    assert_eq!(loaded.origins["server.bind"], Origin::File(file));
}

#[test]
fn onshi_toml_in_the_working_directory_is_read_and_onshi_config_wins_over_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "onshi.toml", "[server]\nbind = \"127.0.0.1:1111\"\n");
    let other = write(dir.path(), "other.toml", "[server]\nbind = \"127.0.0.1:2222\"\n");
    assert_eq!(load(sources(dir.path())).config.server.bind, "127.0.0.1:1111");
    let via_env = sources(dir.path()).env("ONSHI_CONFIG", other.to_string_lossy());
    assert_eq!(load(via_env).config.server.bind, "127.0.0.1:2222");
}

#[test]
fn a_named_file_that_is_missing_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = load_err(sources(dir.path()).config_file(dir.path().join("absent.toml")));
    assert!(error.contains("absent.toml") && error.contains("--config"), "{error}");
}

#[test]
fn env_beats_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "onshi.toml", "[server]\nbind = \"127.0.0.1:1111\"\nrequest_timeout_seconds = 5\n");
    let loaded = load(
        sources(dir.path())
            .env("ONSHI_SERVER__BIND", "127.0.0.1:3333")
            .env("ONSHI_DATABASE__MAX_CONNECTIONS", "40")
            .env("ONSHI_LOG__FORMAT", "PRETTY")
            .env("ONSHI_DATA_DIR", "/data"),
    );
    assert_eq!(loaded.config.server.bind, "127.0.0.1:3333");
    assert_eq!(loaded.config.server.request_timeout_seconds, 5, "the file still counts for other keys");
    assert_eq!(loaded.config.database.max_connections, 40);
    assert_eq!(loaded.config.log.format, LogFormat::Pretty);
    assert_eq!(loaded.config.data_dir, PathBuf::from("/data"));
    assert_eq!(loaded.origins["server.bind"], Origin::Env("ONSHI_SERVER__BIND".to_owned()));
    assert_eq!(loaded.origins["server.request_timeout_seconds"], Origin::File(file.clone()));
    assert_eq!(loaded.layers.len(), 3);
}

#[test]
fn flags_beat_env() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loaded = load(
        sources(dir.path())
            .env("ONSHI_SERVER__BIND", "127.0.0.1:3333")
            .set("server.bind", "127.0.0.1:4444")
            .set("database.url", "postgres://onshi@db/onshi"),
    );
    assert_eq!(loaded.config.server.bind, "127.0.0.1:4444");
    assert_eq!(loaded.config.database_url(), "postgres://onshi@db/onshi");
    assert_eq!(loaded.origins["server.bind"], Origin::Flag("server.bind".to_owned()));
    assert_eq!(loaded.layers.last(), Some(&Layer::Flags(vec!["server.bind".to_owned(), "database.url".to_owned()])));
}

#[test]
fn onshi_db_is_the_short_form_of_database_url() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loaded = load(sources(dir.path()).env("ONSHI_DB", "sqlite:///tmp/x.db"));
    assert_eq!(loaded.config.database_url(), "sqlite:///tmp/x.db");
    let error =
        load_err(sources(dir.path()).env("ONSHI_DB", "sqlite:///a.db").env("ONSHI_DATABASE__URL", "sqlite:///b.db"));
    assert!(
        error.contains("ONSHI_DB") && error.contains("ONSHI_DATABASE__URL") && error.contains("database.url"),
        "{error}"
    );
}

#[test]
fn unknown_key_in_the_file_is_an_error_naming_key_and_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "onshi.toml", "[server]\nbnid = \"127.0.0.1:1\"\n");
    let error = config::load(sources(dir.path())).expect_err("unknown key");
    assert!(matches!(&error, ConfigError::UnknownKey { key, .. } if key == "server.bnid"), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("`server.bnid`"), "{message}");
    assert!(message.contains(&file.display().to_string()), "{message}");
    assert!(message.contains("did you mean `server.bind`?"), "{message}");

    let error = load_err(sources(dir.path()).config_file(write(dir.path(), "b.toml", "[sever]\nbind = \"x:1\"\n")));
    assert!(error.contains("unknown key `sever`") && error.contains("did you mean `server`?"), "{error}");
}

#[test]
fn wrong_type_in_the_file_names_key_file_and_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "onshi.toml", "[server]\nshutdown_grace_seconds = \"soon\"\n");
    let error = load_err(sources(dir.path()));
    assert!(error.contains("server.shutdown_grace_seconds"), "{error}");
    assert!(error.contains(&file.display().to_string()), "{error}");
    assert!(error.contains("whole number"), "{error}");
}

#[test]
fn bad_env_value_names_the_variable_and_the_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = load_err(sources(dir.path()).env("ONSHI_SERVER__REQUEST_TIMEOUT_SECONDS", "ten"));
    assert!(error.contains("server.request_timeout_seconds"), "{error}");
    assert!(error.contains("environment variable ONSHI_SERVER__REQUEST_TIMEOUT_SECONDS"), "{error}");
    assert!(error.contains("whole number"), "{error}");

    let error = load_err(sources(dir.path()).env("ONSHI_LOG__FORMAT", "xml"));
    assert!(error.contains("auto, json, pretty"), "{error}");
}

#[test]
fn checked_rules_name_the_layer_the_value_came_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = load_err(sources(dir.path()).set("server.bind", "8080"));
    assert!(
        error.contains("server.bind") && error.contains("command-line override") && error.contains("HOST:PORT"),
        "{error}"
    );
    let error = load_err(sources(dir.path()).env("ONSHI_ADMIN__TOKEN", "short"));
    assert!(error.contains("admin.token") && error.contains("at least 16"), "{error}");
    assert!(!error.contains("short"), "the token itself is not echoed: {error}");
    let error = load_err(sources(dir.path()).env("ONSHI_DATABASE__URL", "mysql://u:hunter2@db/x"));
    assert!(error.contains("database.url") && !error.contains("hunter2"), "{error}");
    let error = load_err(sources(dir.path()).set("log.filter", "info,=[{"));
    assert!(error.contains("log.filter"), "{error}");
    let error = load_err(sources(dir.path()).env("ONSHI_SERVER__PUBLIC_URL", "onshi.example.jp"));
    assert!(error.contains("server.public_url") && error.contains("https://"), "{error}");
    let loaded = load(sources(dir.path()).env("ONSHI_SERVER__PUBLIC_URL", "https://onshi.example.jp/"));
    assert_eq!(loaded.config.server.public_base_url(), "https://onshi.example.jp");
}

#[test]
fn unknown_flag_key_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let error = load_err(sources(dir.path()).set("server.port", "80"));
    assert!(error.contains("`server.port`") && error.contains("command-line override"), "{error}");
}

#[test]
fn unknown_onshi_variables_are_warnings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loaded = load(
        sources(dir.path())
            .env("ONSHI_SERVER_BIND", "127.0.0.1:1")
            .env("ONSHI_FROBNICATE", "yes")
            .env("ONSHI_TEST_POSTGRES_URL", "postgres://localhost/test")
            .env("ONSHI_CONFIG", "")
            .env("OTHER_VARIABLE", "x"),
    );
    assert_eq!(loaded.config.server.bind, "127.0.0.1:8080", "a misspelt variable sets nothing");
    let warnings: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with("ONSHI_FROBNICATE: not a configuration variable"), "{warnings:?}");
    assert!(warnings[1].starts_with("ONSHI_SERVER_BIND:") && warnings[1].contains("did you mean ONSHI_SERVER__BIND?"));
}

#[test]
fn file_secrets_are_read_and_trimmed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = write(dir.path(), "token", "s3cret-token-0123456789\n");
    let url = write(dir.path(), "db_url", "postgres://onshi:hunter2@db/onshi\n");
    let loaded = load(
        sources(dir.path())
            .env("ONSHI_ADMIN__TOKEN_FILE", token.to_string_lossy())
            .env("ONSHI_DATABASE__URL_FILE", url.to_string_lossy()),
    );
    assert_eq!(loaded.config.admin.token.as_deref(), Some("s3cret-token-0123456789"));
    assert_eq!(loaded.config.database_url(), "postgres://onshi:hunter2@db/onshi");
    assert_eq!(loaded.origins["admin.token"], Origin::Env("ONSHI_ADMIN__TOKEN_FILE".to_owned()));
    assert!(loaded.warnings.is_empty());

    let error =
        load_err(sources(dir.path()).env("ONSHI_ADMIN__TOKEN_FILE", dir.path().join("absent").to_string_lossy()));
    assert!(error.contains("ONSHI_ADMIN__TOKEN_FILE") && error.contains("absent"), "{error}");
    let error = load_err(
        sources(dir.path())
            .env("ONSHI_ADMIN__TOKEN_FILE", token.to_string_lossy())
            .env("ONSHI_ADMIN__TOKEN", "another-token-0123456789"),
    );
    assert!(error.contains("set it only once"), "{error}");
}

#[test]
fn an_empty_variable_unsets_an_optional_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "onshi.toml", "[database]\nurl = \"sqlite:///from/file.db\"\n");
    let loaded = load(sources(dir.path()).env("ONSHI_DATABASE__URL", "").env("ONSHI_DATA_DIR", "/d"));
    assert_eq!(loaded.config.database.url, None);
    assert_eq!(loaded.config.database_url(), "sqlite:///d/onshi.db");
}

#[test]
fn show_hides_the_postgres_password_and_the_admin_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loaded = load(
        sources(dir.path())
            .env("ONSHI_DATABASE__URL", "postgres://onshi:hunter2@db.internal:5432/onshi?sslmode=require")
            .env("ONSHI_ADMIN__TOKEN", "s3cret-token-0123456789"),
    );
    let shown = loaded.config.to_redacted_toml();
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("url = \"postgres://onshi:***@db.internal:5432/onshi?sslmode=require\""), "{shown}");
    assert!(shown.contains("token = \"***\""), "{shown}");
    assert!(shown.contains("bind = \"127.0.0.1:8080\""), "{shown}");
    // The redacted text is itself a valid config file.
    let reparsed: config::Config = toml::from_str(&shown).expect("show output parses back");
    assert_eq!(reparsed.server, loaded.config.server);
    // The real values stay in the loaded config.
    assert!(loaded.config.database_url().contains("hunter2"));
}

#[test]
fn show_of_the_defaults_round_trips_through_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loaded = load(sources(dir.path()));
    let file = write(dir.path(), "shown.toml", &loaded.config.to_redacted_toml());
    let again = load(sources(dir.path()).config_file(file));
    assert_eq!(again.config, loaded.config);
}
