use super::*;

/// A config with every optional value set, so that serialising it yields
/// every leaf key.
fn fully_populated() -> Config {
    let mut config = Config::defaults_from(|_| None);
    config.database.url = Some("postgres://onshi:pw@db/onshi".to_owned());
    config.admin.token = Some("0123456789abcdef".to_owned());
    config.server.public_url = Some("https://onshi.example.jp".to_owned());
    config
}

#[test]
fn public_url_defaults_to_the_bind_address_reachable_locally() {
    let mut server = ServerConfig::default();
    assert_eq!(server.public_base_url(), "http://127.0.0.1:8080");
    server.bind = "0.0.0.0:9000".to_owned();
    assert_eq!(server.public_base_url(), "http://127.0.0.1:9000");
    server.public_url = Some("https://onshi.example.jp/".to_owned());
    assert_eq!(server.public_base_url(), "https://onshi.example.jp");
}

fn leaves(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
    for (name, value) in table {
        let key = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match value {
            toml::Value::Table(inner) => leaves(&key, inner, out),
            _ => out.push(key),
        }
    }
}

#[test]
fn key_table_lists_every_field_of_the_tree() {
    let toml::Value::Table(table) = toml::Value::try_from(fully_populated()).expect("serialises") else {
        panic!("not a table");
    };
    let mut from_tree = Vec::new();
    leaves("", &table, &mut from_tree);
    from_tree.sort();
    let mut from_keys: Vec<String> = KEYS.iter().map(|spec| spec.key.to_owned()).collect();
    from_keys.sort();
    assert_eq!(from_tree, from_keys);
}

#[test]
fn every_key_is_checked_against_its_own_kind() {
    // Each key's default (or example) value passes its kind's file check.
    let toml::Value::Table(table) = toml::Value::try_from(fully_populated()).expect("serialises") else {
        panic!("not a table");
    };
    let entries = file_entries(&table, &Origin::Default).expect("the defaults are valid");
    assert_eq!(entries.len(), KEYS.len());
}

#[test]
fn docs_describe_every_key() {
    let docs = include_str!("../../../../docs/config.md");
    for spec in KEYS {
        assert!(docs.contains(&format!("`{}`", spec.key)), "docs/config.md does not describe `{}`", spec.key);
        assert!(docs.contains(&spec.env_name()), "docs/config.md does not name {}", spec.env_name());
    }
}

#[test]
fn env_names_follow_the_section_double_underscore_key_rule() {
    let names: Vec<String> = KEYS.iter().map(KeySpec::env_name).collect();
    assert!(names.contains(&"ONSHI_DATA_DIR".to_owned()));
    assert!(names.contains(&"ONSHI_SERVER__SHUTDOWN_GRACE_SECONDS".to_owned()));
    assert!(names.contains(&"ONSHI_ADMIN__TOKEN".to_owned()));
}

#[test]
fn data_dir_default_follows_xdg() {
    let from = |pairs: &'static [(&'static str, &'static str)]| {
        Config::defaults_from(|name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned()))
            .data_dir
    };
    assert_eq!(from(&[("XDG_DATA_HOME", "/xdg"), ("HOME", "/home/a")]), PathBuf::from("/xdg/onshi"));
    assert_eq!(
        from(&[("XDG_DATA_HOME", "relative"), ("HOME", "/home/a")]),
        PathBuf::from("/home/a/.local/share/onshi")
    );
    assert_eq!(from(&[]), PathBuf::from("onshi-data"));
}

#[test]
fn urls_are_redacted() {
    let cases = [
        ("postgres://onshi:s3cret@db:5432/onshi", "postgres://onshi:***@db:5432/onshi"),
        ("postgresql://onshi@db/onshi", "postgresql://onshi@db/onshi"),
        ("postgres://db/onshi?user=a&password=s3cret", "postgres://db/onshi?user=a&password=***"),
        ("postgres://u:p@ss@db/onshi", "postgres://u:***@db/onshi"),
        ("sqlite:///var/lib/onshi/onshi.db", "sqlite:///var/lib/onshi/onshi.db"),
        ("sqlite::memory:", "sqlite::memory:"),
    ];
    for (url, expected) in cases {
        assert_eq!(redact_url(url), expected, "{url}");
    }
}

#[test]
fn typos_get_suggestions() {
    let known = || KEYS.iter().map(|spec| spec.key.to_owned());
    assert_eq!(suggest("server.bnid", known()).as_deref(), Some("server.bind"));
    assert_eq!(suggest("server.shutdown_grace_secs", known()), None);
    assert_eq!(suggest("nothing.like.it", known()), None);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
}

#[test]
fn overrides_parse_as_key_equals_value() {
    assert_eq!(parse_override("server.bind=0.0.0.0:80").expect("valid"), ("server.bind".into(), "0.0.0.0:80".into()));
    assert_eq!(parse_override("log.filter=info,a=b").expect("valid").1, "info,a=b");
    assert!(parse_override("server.bind").is_err());
    assert!(parse_override("=x").is_err());
}

#[test]
fn bind_addresses() {
    for good in ["127.0.0.1:8080", "[::1]:0", "localhost:80", "0.0.0.0:65535"] {
        assert!(valid_bind(good), "{good}");
    }
    for bad in ["", "8080", "localhost", ":80", "127.0.0.1:99999", "a b:80"] {
        assert!(!valid_bind(bad), "{bad}");
    }
}
