//! Forward-only migrations, one file per dialect with the same name in
//! `migrations/sqlite` and `migrations/postgres`.
//!
//! Each applied migration is recorded in `schema_migrations` with a checksum
//! of its text; a migration edited after it was applied is refused, because
//! the databases that ran the old text would silently differ from new ones.

/// One migration, in both dialects.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))] // read only by the SQLite backend
    pub(crate) sqlite: &'static str,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))] // read only by the PostgreSQL backend
    pub(crate) postgres: &'static str,
}

impl Migration {
    /// FNV-1a 64 of the migration text, as 16 hex digits.
    pub(crate) fn checksum(sql: &str) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in sql.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }

    /// The error for a migration whose shipped text no longer matches what
    /// was applied.
    pub(crate) fn edited(&self, applied: &str, shipped: &str) -> crate::StoreError {
        crate::StoreError::Migration {
            name: self.name.to_owned(),
            reason: format!(
                "it was applied with checksum {applied} but the shipped text has {shipped}; \
                 migrations are forward-only, add a new one instead of editing"
            ),
        }
    }
}

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

/// Every migration, in order. Add new ones at the end; never edit one that
/// has shipped.
pub(crate) const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_registry_members_facilities"),
    migration!(2, "0002_jpki"),
    migration!(3, "0003_linkage_inspection"),
    migration!(4, "0004_eligibility"),
    migration!(5, "0005_registration_documents"),
    migration!(6, "0006_registration_events"),
    migration!(7, "0007_member_flows"),
    migration!(8, "0008_offline_visits"),
    migration!(9, "0009_medical_information"),
    migration!(10, "0010_oidc_provider"),
    migration!(11, "0011_portal"),
];

/// What `Store::migrate` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Names of the migrations applied by this call.
    pub applied: Vec<&'static str>,
    /// How many were already in place.
    pub already: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_and_names_match_versions() {
        for (idx, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version, idx as i64 + 1);
            assert!(migration.name.starts_with(&format!("{:04}_", migration.version)), "{}", migration.name);
        }
    }

    #[test]
    fn every_migration_file_has_a_twin_and_is_listed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for dialect in ["sqlite", "postgres"] {
            let mut names: Vec<String> = std::fs::read_dir(dir.join(dialect))
                .expect("migrations dir exists")
                .map(|entry| {
                    entry.expect("dir entry").file_name().to_string_lossy().trim_end_matches(".sql").to_owned()
                })
                .collect();
            names.sort();
            let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
            assert_eq!(names, listed, "{dialect} migrations on disk differ from MIGRATIONS");
        }
    }
}
