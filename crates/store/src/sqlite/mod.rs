//! The SQLite store: one file in WAL mode, one writer connection and a few
//! readers. The embedded default, used by the demo and most tests.
//!
//! rusqlite is synchronous; every call runs on tokio's blocking pool so the
//! server's reactor never waits on the disk. Upserts are row by row with
//! cached prepared statements inside one transaction per batch, which is both
//! the fastest way to load SQLite and what makes per-row conflicts reportable.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use onshi_domain::Date;
use onshi_domain::facility::Facility;
use onshi_domain::id::{FacilityCode, MyNumber};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::registry::{Resident, ResidentCode};

use crate::inspection::SuspensionSource;
use crate::migrate::{MIGRATIONS, Migration, MigrationReport};
use crate::{
    Backend, BatchOutcome, Counts, Insurer, LinkState, PersonId, RowConflict, Store, StoreError, StoredMember,
    StoredResident,
};

mod eligibility;
mod inspection;
mod jpki;
mod medical;
mod members;
mod oidc;
mod portal;
mod rows;

/// The SQLite implementation of [`Store`].
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Connection>,
    /// Empty for an in-memory database, where every connection would see a
    /// database of its own; reads then use the writer.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl SqliteStore {
    /// Open `sqlite://PATH` (the file and its directory are created if
    /// missing) or `sqlite::memory:`.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        Self::open_with(url, crate::OpenOptions::default()).await
    }

    /// As [`SqliteStore::open`], with `max_connections - 1` readers (at least one).
    pub async fn open_with(url: &str, options: crate::OpenOptions) -> Result<SqliteStore, StoreError> {
        let url = url.to_owned();
        let readers = options.max_connections.saturating_sub(1).max(1) as usize;
        tokio::task::spawn_blocking(move || Self::open_blocking(&url, readers))
            .await
            .map_err(|join| StoreError::unavailable("opening the SQLite database", join))?
    }

    fn open_blocking(url: &str, n_readers: usize) -> Result<SqliteStore, StoreError> {
        let bad = |reason: &str| StoreError::BadUrl { url: url.to_owned(), reason: reason.to_owned() };
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            let conn = Connection::open_in_memory().map_err(|e| StoreError::unavailable("opening :memory:", e))?;
            configure(&conn, false)?;
            return Ok(SqliteStore {
                inner: Arc::new(Inner {
                    writer: Mutex::new(conn),
                    readers: Vec::new(),
                    next_reader: AtomicUsize::new(0),
                }),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| bad("expected sqlite://PATH"))?;
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            return Err(bad("the path is empty"));
        }
        let path = Path::new(path);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::unavailable(format!("creating the directory {}", parent.display()), e))?;
        }
        let mut writer =
            Connection::open(path).map_err(|e| StoreError::unavailable(format!("opening {}", path.display()), e))?;
        configure(&writer, true)?;
        // Another process may write the same file (a desk command beside
        // `onshi serve`). A deferred transaction that reads and then writes
        // cannot wait for that writer: SQLite answers "database is locked" at
        // once rather than deadlock. Taking the write lock at BEGIN lets the
        // busy timeout wait for it instead.
        writer.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        let mut readers = Vec::with_capacity(n_readers);
        for _ in 0..n_readers {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
            )
            .map_err(|e| StoreError::unavailable(format!("opening {} for reading", path.display()), e))?;
            reader.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| StoreError::unavailable("pragma", e))?;
            readers.push(Mutex::new(reader));
        }
        Ok(SqliteStore {
            inner: Arc::new(Inner { writer: Mutex::new(writer), readers, next_reader: AtomicUsize::new(0) }),
        })
    }

    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|join| StoreError::unavailable("a database task failed", join))?
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            if inner.readers.is_empty() {
                let conn = inner.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                return f(&conn);
            }
            let idx = inner.next_reader.fetch_add(1, Ordering::Relaxed) % inner.readers.len();
            let conn = inner.readers[idx].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&conn)
        })
        .await
        .map_err(|join| StoreError::unavailable("a database task failed", join))?
    }
}

fn configure(conn: &Connection, file: bool) -> Result<(), StoreError> {
    let pragmas = if file {
        // WAL with synchronous=NORMAL: a commit is durable against a process
        // crash and atomic against a power cut. A 256 MiB page cache and
        // memory-mapped reads keep the unique indexes of a million-row
        // registry in memory during imports; checkpoints every 16,384 pages
        // (64 MiB of WAL) write hot index pages once rather than many times.
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY; PRAGMA cache_size = -262144; PRAGMA mmap_size = 1073741824;
         PRAGMA wal_autocheckpoint = 16384;"
    } else {
        "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;"
    };
    conn.execute_batch(pragmas).map_err(|e| StoreError::unavailable("setting pragmas", e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| StoreError::unavailable("setting busy_timeout", e))
}

pub(super) fn db_err(context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| StoreError::unavailable(context, e)
}

pub(super) fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

fn my_number_holder(tx: &Connection, my_number: &str) -> Result<RowConflict, StoreError> {
    let holder: String = tx
        .query_row("SELECT resident_code FROM residents WHERE my_number = ?1", [my_number], |row| row.get(0))
        .map_err(db_err("looking up the holder of a My Number"))?;
    Ok(RowConflict::MyNumberTaken { my_number: crate::decode::mask_my_number(my_number), holder })
}

fn apply_migrations(conn: &mut Connection) -> Result<MigrationReport, StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
    )
    .map_err(db_err("creating schema_migrations"))?;
    let mut report = MigrationReport::default();
    for migration in MIGRATIONS {
        let checksum = Migration::checksum(migration.sqlite);
        let applied: Option<String> = conn
            .query_row("SELECT checksum FROM schema_migrations WHERE version = ?1", [migration.version], |row| {
                row.get(0)
            })
            .optional()
            .map_err(db_err("reading schema_migrations"))?;
        match applied {
            Some(found) if found == checksum => report.already += 1,
            Some(found) => {
                return Err(migration.edited(&found, &checksum));
            }
            None => {
                let tx = conn.transaction().map_err(db_err("starting a migration"))?;
                tx.execute_batch(migration.sqlite)
                    .map_err(|e| StoreError::Migration { name: migration.name.to_owned(), reason: e.to_string() })?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (?1, ?2, ?3)",
                    params![migration.version, migration.name, checksum],
                )
                .map_err(db_err("recording a migration"))?;
                tx.commit().map_err(db_err("committing a migration"))?;
                report.applied.push(migration.name);
            }
        }
    }
    Ok(report)
}

type Found = Option<(i64, onshi_domain::person::FiveAttributes)>;

/// Write members by key inside `tx` (insert, or update when something
/// differs), registering unknown insurers and judging each new or changed
/// link; `found` holds the resident already looked up for each member's My
/// Number. `now` stamps `updated_at`, and `registered_at` of new rows.
pub(super) fn write_members(
    tx: &Connection,
    members: &[Member],
    found: &[Found],
    now: &str,
) -> Result<BatchOutcome, StoreError> {
    let mut outcome = BatchOutcome::default();
    let mut insurer = tx
        .prepare_cached(
            "INSERT INTO insurers (insurer_number, kind) VALUES (?1, ?2) ON CONFLICT (insurer_number) DO NOTHING",
        )
        .map_err(db_err("preparing the insurer insert"))?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO members (insurer_number, symbol, number, branch, relationship, name_kanji, name_kana,
                    birth_date, sex, address, my_number, copay_ratio, acquired_on, lost_on, person_id, link_method,
                    updated_at, link_state, loss_reason, limit_kind, limit_category, limit_issued_on, limit_valid_from,
                    limit_valid_until, elderly_issued_on, elderly_valid_from, elderly_valid_until, elderly_copay_ratio,
                    notified_on, registered_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
                     ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?17)
             ON CONFLICT (insurer_number, symbol, number, branch) DO NOTHING
             RETURNING member_id",
        )
        .map_err(db_err("preparing the member insert"))?;
    // A link an insurer has to decide on (suspended) or has
    // decided on (confirmed) is kept as it is; only an active
    // link or none follows the My Number.
    let mut update = tx
        .prepare_cached(
            "UPDATE members SET relationship = ?5, name_kanji = ?6, name_kana = ?7, birth_date = ?8, sex = ?9,
                    address = ?10, my_number = ?11, copay_ratio = ?12, acquired_on = ?13, lost_on = ?14,
                    person_id = CASE WHEN link_state IN ('suspended', 'confirmed') THEN person_id ELSE ?15 END,
                    link_method = CASE WHEN link_state IN ('suspended', 'confirmed') THEN link_method ELSE ?16 END,
                    link_state = CASE WHEN link_state IN ('suspended', 'confirmed') THEN link_state ELSE ?18 END,
                    loss_reason = ?19, limit_kind = ?20, limit_category = ?21, limit_issued_on = ?22,
                    limit_valid_from = ?23, limit_valid_until = ?24, elderly_issued_on = ?25, elderly_valid_from = ?26,
                    elderly_valid_until = ?27, elderly_copay_ratio = ?28, notified_on = ?29,
                    updated_at = ?17
             WHERE insurer_number = ?1 AND symbol = ?2 AND number = ?3 AND branch = ?4 AND (
                   relationship IS NOT ?5 OR name_kanji IS NOT ?6 OR name_kana IS NOT ?7 OR
                   birth_date IS NOT ?8 OR sex IS NOT ?9 OR address IS NOT ?10 OR my_number IS NOT ?11 OR
                   copay_ratio IS NOT ?12 OR acquired_on IS NOT ?13 OR lost_on IS NOT ?14 OR
                   loss_reason IS NOT ?19 OR limit_kind IS NOT ?20 OR limit_category IS NOT ?21 OR
                   limit_issued_on IS NOT ?22 OR limit_valid_from IS NOT ?23 OR limit_valid_until IS NOT ?24 OR
                   elderly_issued_on IS NOT ?25 OR elderly_valid_from IS NOT ?26 OR elderly_valid_until IS NOT ?27 OR
                   elderly_copay_ratio IS NOT ?28 OR notified_on IS NOT ?29 OR
                   ((link_state IS NULL OR link_state = 'active') AND
                    (person_id IS NOT ?15 OR link_method IS NOT ?16 OR link_state IS NOT ?18)))
             RETURNING member_id, person_id IS ?15 AND link_state IS ?18",
        )
        .map_err(db_err("preparing the member update"))?;
    let mut last_insurer = None;
    for idx in rows::sorted_order(members, |m| {
        (m.key.insurer_number.as_str(), m.key.symbol.as_str(), m.key.number.as_str(), m.key.branch)
    }) {
        let member = &members[idx];
        let key = &member.key;
        // Rows come in key order, so each insurer's rows are together.
        if last_insurer != Some(&key.insurer_number) {
            last_insurer = Some(&key.insurer_number);
            insurer
                .execute(params![key.insurer_number.as_str(), key.insurer_number.kind().code()])
                .map_err(db_err("registering an insurer"))?;
        }
        let resident = match (&found[idx], &member.my_number) {
            (Some(found), _) => Some(found.clone()),
            (None, Some(my_number)) => inspection::resident_for_link(tx, my_number.as_str())?,
            (None, None) => None,
        };
        let attrs = &member.attributes;
        let (person_id, state, reasons) = match &resident {
            Some((person_id, resident)) => {
                let (state, reasons) = inspection::judged(attrs, resident);
                (Some(*person_id), Some(state), reasons)
            }
            None => (None, None, String::new()),
        };
        let link_method = person_id.map(|_| "my_number");
        let details = crate::decode::DetailColumns::of(member);
        let values = params![
            key.insurer_number.as_str(),
            key.symbol.as_str(),
            key.number.as_str(),
            key.branch.value(),
            member.relationship.code(),
            attrs.name_kanji,
            attrs.name_kana,
            rows::iso(attrs.birth_date),
            attrs.sex.code(),
            attrs.address,
            member.my_number.as_ref().map(MyNumber::as_str),
            member.copay_ratio.tenths(),
            rows::iso(member.acquired_on),
            member.lost_on.map(rows::iso),
            person_id,
            link_method,
            now,
            state.map(LinkState::code),
            details.loss_reason,
            details.limit_kind,
            details.limit_category,
            details.limit_issued_on.map(rows::iso),
            details.limit_valid_from.map(rows::iso),
            details.limit_valid_until.map(rows::iso),
            details.elderly_issued_on.map(rows::iso),
            details.elderly_valid_from.map(rows::iso),
            details.elderly_valid_until.map(rows::iso),
            details.elderly_copay_ratio,
            details.notified_on.map(rows::iso)
        ];
        // (member_id, whether the link written is the one judged here)
        let written: Option<(i64, bool)> = match insert
            .query_row(values, |row| row.get::<_, i64>(0))
            .optional()
            .map_err(db_err("inserting a member"))?
        {
            Some(member_id) => {
                outcome.inserted += 1;
                Some((member_id, true))
            }
            None => match update
                .query_row(values, |row| Ok((row.get::<_, i64>(0)?, row.get::<_, bool>(1)?)))
                .optional()
                .map_err(db_err("updating a member"))?
            {
                Some(written) => {
                    outcome.updated += 1;
                    Some(written)
                }
                None => {
                    outcome.unchanged += 1;
                    None
                }
            },
        };
        let Some((member_id, ours)) = written else { continue };
        if !ours {
            continue;
        }
        if let Some(person_id) = person_id {
            outcome.linked += 1;
            if state == Some(LinkState::Suspended) {
                inspection::hold(
                    tx,
                    member_id,
                    person_id,
                    key.insurer_number.as_str(),
                    SuspensionSource::Import,
                    &reasons,
                    now,
                )?;
                outcome.suspended += 1;
            }
        }
    }
    Ok(outcome)
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| {
            conn.query_row("SELECT count(*) FROM schema_migrations", [], |row| row.get::<_, i64>(0))
                .map_err(db_err("ping"))?;
            Ok(())
        })
        .await
    }

    async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        self.write(apply_migrations).await
    }

    async fn upsert_residents(&self, residents: Vec<Resident>) -> Result<BatchOutcome, StoreError> {
        self.write(move |conn| {
            let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
            let mut outcome = BatchOutcome::default();
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO residents (resident_code, my_number, name_kanji, name_kana, birth_date, sex, address,
                                updated_at, match_key)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (resident_code) DO NOTHING",
                    )
                    .map_err(db_err("preparing the resident insert"))?;
                let mut update = tx
                    .prepare_cached(
                        "UPDATE residents SET my_number = ?2, name_kanji = ?3, name_kana = ?4, birth_date = ?5,
                                sex = ?6, address = ?7, updated_at = ?8, match_key = ?9
                         WHERE resident_code = ?1 AND (my_number IS NOT ?2 OR name_kanji IS NOT ?3 OR
                               name_kana IS NOT ?4 OR birth_date IS NOT ?5 OR sex IS NOT ?6 OR address IS NOT ?7 OR
                               match_key IS NOT ?9)",
                    )
                    .map_err(db_err("preparing the resident update"))?;
                // Members wait for their resident only when the registry is
                // imported after them; in the usual order there are none, and
                // the per-row link step is skipped.
                let waiting: bool = tx
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM members WHERE person_id IS NULL AND my_number IS NOT NULL)",
                        [],
                        |row| row.get(0),
                    )
                    .map_err(db_err("looking for waiting members"))?;
                let now = rows::now();
                for idx in rows::sorted_order(&residents, |r| r.resident_code.as_str()) {
                    let resident = &residents[idx];
                    let attrs = &resident.attributes;
                    let birth = rows::iso(attrs.birth_date);
                    let match_key = crate::inspection::match_key(&attrs.name_kana, attrs.birth_date);
                    let values = params![
                        resident.resident_code.as_str(),
                        resident.my_number.as_str(),
                        attrs.name_kanji,
                        attrs.name_kana,
                        birth,
                        attrs.sex.code(),
                        attrs.address,
                        now,
                        match_key
                    ];
                    let written = match insert.execute(values) {
                        Ok(1) => {
                            outcome.inserted += 1;
                            true
                        }
                        Ok(_) => match update.execute(values) {
                            Ok(1) => {
                                outcome.updated += 1;
                                true
                            }
                            Ok(_) => {
                                outcome.unchanged += 1;
                                false
                            }
                            Err(e) if is_unique_violation(&e) => {
                                outcome.rejected.push((idx, my_number_holder(&tx, resident.my_number.as_str())?));
                                false
                            }
                            Err(e) => return Err(StoreError::unavailable("updating a resident", e)),
                        },
                        Err(e) if is_unique_violation(&e) => {
                            outcome.rejected.push((idx, my_number_holder(&tx, resident.my_number.as_str())?));
                            false
                        }
                        Err(e) => return Err(StoreError::unavailable("inserting a resident", e)),
                    };
                    if written && waiting {
                        // Each waiting member is judged against the resident
                        // before its link is usable (issue 8).
                        let (linked, suspended) = inspection::link_waiting(
                            &tx,
                            resident.resident_code.as_str(),
                            resident.my_number.as_str(),
                            attrs,
                            &now,
                        )?;
                        outcome.linked += linked;
                        outcome.suspended += suspended;
                    }
                }
            }
            tx.commit().map_err(db_err("committing residents"))?;
            Ok(outcome)
        })
        .await
    }

    async fn upsert_members(&self, members: Vec<Member>) -> Result<BatchOutcome, StoreError> {
        // Resolve My Numbers to residents on a reader connection first, so
        // that these index probes overlap the previous batch's write instead
        // of holding the writer. A number not found here is looked up again
        // inside the write transaction, in case its resident arrived since.
        let (members, found) = self
            .read(move |conn| {
                let mut found: Vec<Found> = vec![None; members.len()];
                for idx in rows::sorted_order(&members, |m| m.my_number.as_ref().map(MyNumber::as_str)) {
                    if let Some(my_number) = &members[idx].my_number {
                        found[idx] = inspection::resident_for_link(conn, my_number.as_str())?;
                    }
                }
                Ok((members, found))
            })
            .await?;
        self.write(move |conn| {
            let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
            let outcome = write_members(&tx, &members, &found, &rows::now())?;
            tx.commit().map_err(db_err("committing members"))?;
            Ok(outcome)
        })
        .await
    }

    async fn upsert_insurers(&self, insurers: Vec<crate::Insurer>) -> Result<BatchOutcome, StoreError> {
        self.write(move |conn| {
            let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
            let mut outcome = BatchOutcome::default();
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO insurers (insurer_number, kind, name) VALUES (?1, ?2, ?3)
                         ON CONFLICT (insurer_number) DO NOTHING",
                    )
                    .map_err(db_err("preparing the insurer insert"))?;
                let mut update = tx
                    .prepare_cached("UPDATE insurers SET name = ?3 WHERE insurer_number = ?1 AND name IS NOT ?3")
                    .map_err(db_err("preparing the insurer update"))?;
                for insurer in &insurers {
                    let values = params![insurer.insurer_number.as_str(), insurer.kind.code(), insurer.name];
                    if insert.execute(values).map_err(db_err("inserting an insurer"))? == 1 {
                        outcome.inserted += 1;
                    } else if update.execute(values).map_err(db_err("updating an insurer"))? == 1 {
                        outcome.updated += 1;
                    } else {
                        outcome.unchanged += 1;
                    }
                }
            }
            tx.commit().map_err(db_err("committing insurers"))?;
            Ok(outcome)
        })
        .await
    }

    async fn upsert_facilities(&self, facilities: Vec<Facility>) -> Result<BatchOutcome, StoreError> {
        self.write(move |conn| {
            let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
            let mut outcome = BatchOutcome::default();
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO facilities (facility_code, name, kind, address) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (facility_code) DO NOTHING",
                    )
                    .map_err(db_err("preparing the facility insert"))?;
                let mut update = tx
                    .prepare_cached(
                        "UPDATE facilities SET name = ?2, kind = ?3, address = ?4
                         WHERE facility_code = ?1 AND (name IS NOT ?2 OR kind IS NOT ?3 OR address IS NOT ?4)",
                    )
                    .map_err(db_err("preparing the facility update"))?;
                for facility in &facilities {
                    let values = params![facility.code.as_str(), facility.name, facility.kind.code(), facility.address];
                    if insert.execute(values).map_err(db_err("inserting a facility"))? == 1 {
                        outcome.inserted += 1;
                    } else if update.execute(values).map_err(db_err("updating a facility"))? == 1 {
                        outcome.updated += 1;
                    } else {
                        outcome.unchanged += 1;
                    }
                }
            }
            tx.commit().map_err(db_err("committing facilities"))?;
            Ok(outcome)
        })
        .await
    }

    async fn resident_by_code(&self, code: &ResidentCode) -> Result<Option<StoredResident>, StoreError> {
        let code = code.as_str().to_owned();
        self.read(move |conn| {
            let sql = format!("{} WHERE resident_code = ?1", rows::RESIDENT_SELECT);
            conn.query_row(&sql, [code], rows::resident_raw)
                .optional()
                .map_err(db_err("reading a resident"))?
                .map(rows::RawResident::decode)
                .transpose()
        })
        .await
    }

    async fn resident_by_person(&self, person_id: PersonId) -> Result<Option<StoredResident>, StoreError> {
        self.read(move |conn| {
            let sql = format!("{} WHERE person_id = ?1", rows::RESIDENT_SELECT);
            conn.query_row(&sql, [person_id.0], rows::resident_raw)
                .optional()
                .map_err(db_err("reading a resident"))?
                .map(rows::RawResident::decode)
                .transpose()
        })
        .await
    }

    async fn resident_by_my_number(&self, my_number: &MyNumber) -> Result<Option<StoredResident>, StoreError> {
        let my_number = my_number.as_str().to_owned();
        self.read(move |conn| {
            let sql = format!("{} WHERE my_number = ?1", rows::RESIDENT_SELECT);
            conn.query_row(&sql, [my_number], rows::resident_raw)
                .optional()
                .map_err(db_err("reading a resident"))?
                .map(rows::RawResident::decode)
                .transpose()
        })
        .await
    }

    async fn member_by_key(&self, key: &MemberKey) -> Result<Option<StoredMember>, StoreError> {
        let key = key.clone();
        self.read(move |conn| {
            let sql = format!(
                "{} WHERE insurer_number = ?1 AND symbol = ?2 AND number = ?3 AND branch = ?4",
                rows::MEMBER_SELECT
            );
            conn.query_row(
                &sql,
                params![key.insurer_number.as_str(), key.symbol.as_str(), key.number.as_str(), key.branch.value()],
                rows::member_raw,
            )
            .optional()
            .map_err(db_err("reading a member"))?
            .map(rows::RawMember::decode)
            .transpose()
        })
        .await
    }

    async fn members_of_person(&self, person_id: PersonId) -> Result<Vec<StoredMember>, StoreError> {
        self.read(move |conn| {
            let sql = format!("{} WHERE person_id = ?1 ORDER BY acquired_on, member_id", rows::MEMBER_SELECT);
            let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the members query"))?;
            let raws = stmt
                .query_map([person_id.0], rows::member_raw)
                .map_err(db_err("reading members"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db_err("reading members"))?;
            raws.into_iter().map(rows::RawMember::decode).collect()
        })
        .await
    }

    async fn insurers(&self) -> Result<Vec<Insurer>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT insurer_number, name FROM insurers ORDER BY insurer_number")
                .map_err(db_err("preparing the insurers query"))?;
            let raws = stmt
                .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
                .map_err(db_err("reading insurers"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db_err("reading insurers"))?;
            raws.into_iter().map(|(number, name)| rows::insurer(&number, name)).collect()
        })
        .await
    }

    async fn facility(&self, code: &FacilityCode) -> Result<Option<Facility>, StoreError> {
        let code = code.as_str().to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT facility_code, name, kind, address FROM facilities WHERE facility_code = ?1",
                [code],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()
            .map_err(db_err("reading a facility"))?
            .map(|(code, name, kind, address): (String, String, String, String)| {
                rows::facility(&code, name, &kind, address)
            })
            .transpose()
        })
        .await
    }

    async fn counts(&self, today: Date) -> Result<Counts, StoreError> {
        let today = rows::iso(today);
        self.read(move |conn| {
            conn.query_row(
                "SELECT (SELECT count(*) FROM residents), (SELECT count(*) FROM insurers),
                        (SELECT count(*) FROM members), (SELECT count(*) FROM members WHERE person_id IS NOT NULL),
                        (SELECT count(*) FROM members WHERE acquired_on <= ?1 AND (lost_on IS NULL OR lost_on > ?1)),
                        (SELECT count(*) FROM facilities)",
                [today],
                |row| {
                    Ok(Counts {
                        residents: row.get::<_, i64>(0)? as u64,
                        insurers: row.get::<_, i64>(1)? as u64,
                        members: row.get::<_, i64>(2)? as u64,
                        members_linked: row.get::<_, i64>(3)? as u64,
                        members_eligible_today: row.get::<_, i64>(4)? as u64,
                        facilities: row.get::<_, i64>(5)? as u64,
                    })
                },
            )
            .map_err(db_err("counting rows"))
        })
        .await
    }

    async fn insert_card(&self, card: crate::jpki::NewCard) -> Result<crate::jpki::StoredCard, StoreError> {
        self.write(move |conn| jpki::insert_card(conn, card)).await
    }

    async fn card(&self, card_serial: &str) -> Result<Option<crate::jpki::StoredCard>, StoreError> {
        let serial = card_serial.to_owned();
        self.read(move |conn| jpki::card(conn, &serial)).await
    }

    async fn cards_of_person(&self, person_id: PersonId) -> Result<Vec<crate::jpki::StoredCard>, StoreError> {
        self.read(move |conn| jpki::cards_of_person(conn, person_id)).await
    }

    async fn change_card(
        &self,
        card_serial: &str,
        change: crate::jpki::CardChange,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::jpki::StoredCard, StoreError> {
        let serial = card_serial.to_owned();
        self.write(move |conn| jpki::change_card(conn, &serial, change, at)).await
    }

    async fn certificates_of_card(&self, card_serial: &str) -> Result<Vec<crate::jpki::StoredCertificate>, StoreError> {
        let serial = card_serial.to_owned();
        self.read(move |conn| jpki::certificates_of_card(conn, &serial)).await
    }

    async fn certificate(&self, serial: &[u8]) -> Result<Option<crate::jpki::StoredCertificate>, StoreError> {
        let serial = serial.to_vec();
        self.read(move |conn| jpki::certificate(conn, &serial)).await
    }

    async fn card_events(&self, card_serial: &str) -> Result<Vec<crate::jpki::CardEvent>, StoreError> {
        let serial = card_serial.to_owned();
        self.read(move |conn| jpki::card_events(conn, &serial)).await
    }

    async fn status_number(&self, kind: crate::jpki::CertKind) -> Result<u64, StoreError> {
        self.read(move |conn| jpki::status_number(conn, kind)).await
    }

    async fn status_list(&self, kind: crate::jpki::CertKind) -> Result<crate::jpki::StatusList, StoreError> {
        self.read(move |conn| jpki::status_list(conn, kind)).await
    }

    async fn insert_relying_party(&self, party: crate::oidc::RelyingParty) -> Result<(), StoreError> {
        self.write(move |conn| oidc::insert_relying_party(conn, &party)).await
    }

    async fn relying_party(&self, client_id: &str) -> Result<Option<crate::oidc::RelyingParty>, StoreError> {
        let client_id = client_id.to_owned();
        self.read(move |conn| oidc::relying_party(conn, &client_id)).await
    }

    async fn insert_pushed_request(&self, request: crate::oidc::PushedRequest) -> Result<(), StoreError> {
        self.write(move |conn| oidc::insert_pushed_request(conn, &request)).await
    }

    async fn take_pushed_request(
        &self,
        request_uri: &str,
        client_id: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<crate::oidc::PushedRequest>, StoreError> {
        let (request_uri, client_id) = (request_uri.to_owned(), client_id.to_owned());
        self.write(move |conn| oidc::take_pushed_request(conn, &request_uri, &client_id, at)).await
    }

    async fn insert_authorization(&self, authorization: crate::oidc::Authorization) -> Result<(), StoreError> {
        self.write(move |conn| oidc::insert_authorization(conn, &authorization)).await
    }

    async fn authorization(&self, id: &str) -> Result<Option<crate::oidc::StoredAuthorization>, StoreError> {
        let id = id.to_owned();
        self.read(move |conn| oidc::authorization(conn, &id)).await
    }

    async fn authorization_by_user_code(
        &self,
        user_code: &str,
    ) -> Result<Option<crate::oidc::StoredAuthorization>, StoreError> {
        let user_code = user_code.to_owned();
        self.read(move |conn| oidc::authorization_by_user_code(conn, &user_code)).await
    }

    async fn decide_authorization(
        &self,
        id: &str,
        decision: crate::oidc::Decision,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| oidc::decide_authorization(conn, &id, &decision, at)).await
    }

    async fn complete_authorization(&self, id: &str, code: crate::oidc::AuthorizationCode) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| oidc::complete_authorization(conn, &id, &code)).await
    }

    async fn take_code(
        &self,
        code_sha256: &[u8],
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::oidc::CodeTake, StoreError> {
        let hash = code_sha256.to_vec();
        self.write(move |conn| oidc::take_code(conn, &hash, at)).await
    }

    async fn insert_access_token(&self, token: crate::oidc::AccessToken) -> Result<(), StoreError> {
        self.write(move |conn| oidc::insert_access_token(conn, &token)).await
    }

    async fn access_token(&self, token_sha256: &[u8]) -> Result<Option<crate::oidc::AccessToken>, StoreError> {
        let hash = token_sha256.to_vec();
        self.read(move |conn| oidc::access_token(conn, &hash)).await
    }

    async fn use_assertion_id(
        &self,
        client_id: &str,
        jti: &str,
        expires_at: chrono::DateTime<chrono::Utc>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        let (client_id, jti) = (client_id.to_owned(), jti.to_owned());
        self.write(move |conn| oidc::use_assertion_id(conn, &client_id, &jti, expires_at, at)).await
    }

    async fn insert_portal_session(&self, session: crate::portal::PortalSession) -> Result<(), StoreError> {
        self.write(move |conn| portal::insert_session(conn, &session)).await
    }

    async fn touch_portal_session(
        &self,
        session_sha256: &[u8],
        at: chrono::DateTime<chrono::Utc>,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<crate::portal::PortalSession>, StoreError> {
        let id = session_sha256.to_vec();
        self.write(move |conn| portal::touch_session(conn, &id, at, expires_at)).await
    }

    async fn sign_in_portal_session(
        &self,
        pending_sha256: &[u8],
        session: crate::portal::PortalSession,
    ) -> Result<Option<crate::portal::PortalSession>, StoreError> {
        let pending = pending_sha256.to_vec();
        self.write(move |conn| portal::sign_in_session(conn, &pending, session)).await
    }

    async fn end_portal_session(&self, session_sha256: &[u8]) -> Result<bool, StoreError> {
        let id = session_sha256.to_vec();
        self.write(move |conn| portal::end_session(conn, &id)).await
    }

    async fn set_facility_block(
        &self,
        person_id: PersonId,
        facility_code: &str,
        blocked: bool,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::portal::FacilityBlock, StoreError> {
        let code = facility_code.to_owned();
        self.write(move |conn| portal::set_block(conn, person_id, &code, blocked, at)).await
    }

    async fn facility_blocks_of_person(
        &self,
        person_id: PersonId,
    ) -> Result<Vec<crate::portal::FacilityBlock>, StoreError> {
        self.read(move |conn| portal::blocks_of_person(conn, person_id)).await
    }

    async fn is_facility_blocked(&self, person_id: PersonId, facility_code: &str) -> Result<bool, StoreError> {
        let code = facility_code.to_owned();
        self.read(move |conn| portal::is_blocked(conn, person_id, &code)).await
    }

    async fn insert_challenge(&self, challenge: crate::jpki::Challenge) -> Result<(), StoreError> {
        self.write(move |conn| jpki::insert_challenge(conn, &challenge)).await
    }

    async fn use_challenges(
        &self,
        uses: Vec<(crate::jpki::Challenge, chrono::DateTime<chrono::Utc>)>,
    ) -> Result<Vec<Option<chrono::DateTime<chrono::Utc>>>, StoreError> {
        self.write(move |conn| jpki::use_challenges(conn, &uses)).await
    }

    async fn take_challenge(
        &self,
        id: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::jpki::ChallengeTake, StoreError> {
        let id = id.to_owned();
        self.write(move |conn| jpki::take_challenge(conn, &id, at)).await
    }

    async fn members_by_number(
        &self,
        insurer_number: &onshi_domain::id::InsurerNumber,
        symbol: &onshi_domain::id::Symbol,
        number: &onshi_domain::id::InsuredNumber,
        branch: Option<onshi_domain::id::Branch>,
    ) -> Result<Vec<StoredMember>, StoreError> {
        let (insurer, symbol, number) =
            (insurer_number.as_str().to_owned(), symbol.as_str().to_owned(), number.as_str().to_owned());
        let branch = branch.map(|b| i64::from(b.value()));
        self.read(move |conn| {
            let sql = format!(
                "{} WHERE insurer_number = ?1 AND symbol = ?2 AND number = ?3 AND (?4 IS NULL OR branch = ?4)
                 ORDER BY branch",
                rows::MEMBER_SELECT
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the members query"))?;
            let raws = stmt
                .query_map(params![insurer, symbol, number, branch], rows::member_raw)
                .map_err(db_err("reading members"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db_err("reading members"))?;
            raws.into_iter().map(rows::RawMember::decode).collect()
        })
        .await
    }

    async fn insert_facility_client(&self, client: crate::eligibility::FacilityClient) -> Result<(), StoreError> {
        self.write(move |conn| eligibility::insert_facility_client(conn, &client)).await
    }

    async fn facility_client(&self, client_id: &str) -> Result<Option<crate::eligibility::FacilityClient>, StoreError> {
        let id = client_id.to_owned();
        self.read(move |conn| eligibility::facility_client(conn, &id)).await
    }

    async fn record_consent(&self, consent: crate::eligibility::Consent) -> Result<i64, StoreError> {
        self.write(move |conn| eligibility::record_consent(conn, &consent)).await
    }

    async fn consents_of_person(&self, person_id: PersonId) -> Result<Vec<crate::medical::StoredConsent>, StoreError> {
        self.read(move |conn| eligibility::consents_of_person(conn, person_id)).await
    }

    async fn log_eligibility(&self, entries: Vec<crate::eligibility::EligibilityLogEntry>) -> Result<(), StoreError> {
        self.write(move |conn| eligibility::log_eligibility(conn, &[], &entries)).await
    }

    async fn record_checks(
        &self,
        consents: Vec<crate::eligibility::Consent>,
        entries: Vec<crate::eligibility::EligibilityLogEntry>,
    ) -> Result<(), StoreError> {
        self.write(move |conn| eligibility::log_eligibility(conn, &consents, &entries)).await
    }

    async fn record_offline_visit(
        &self,
        visit: crate::eligibility::OfflineVisit,
        consent: Option<crate::eligibility::Consent>,
        log: crate::eligibility::EligibilityLogEntry,
    ) -> Result<crate::eligibility::OfflineVisitRecord, StoreError> {
        self.write(move |conn| eligibility::record_offline_visit(conn, &visit, consent.as_ref(), &log)).await
    }

    async fn offline_visit(
        &self,
        facility_code: &str,
        visit_id: &str,
    ) -> Result<Option<crate::eligibility::OfflineVisit>, StoreError> {
        let (facility_code, visit_id) = (facility_code.to_owned(), visit_id.to_owned());
        self.read(move |conn| eligibility::offline_visit(conn, &facility_code, &visit_id)).await
    }

    async fn set_registration(&self, registration: crate::eligibility::Registration) -> Result<(), StoreError> {
        self.write(move |conn| eligibility::set_registration(conn, &registration)).await
    }

    async fn registration(&self, person_id: PersonId) -> Result<Option<crate::eligibility::Registration>, StoreError> {
        self.read(move |conn| eligibility::registration(conn, person_id)).await
    }

    async fn usage_tallies(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        members_on: Date,
    ) -> Result<crate::eligibility::UsageTallies, StoreError> {
        self.read(move |conn| eligibility::usage_tallies(conn, from, to, members_on)).await
    }

    async fn member_by_id(&self, member_id: crate::MemberId) -> Result<Option<StoredMember>, StoreError> {
        self.read(move |conn| {
            let sql = format!("{} WHERE member_id = ?1", rows::MEMBER_SELECT);
            conn.query_row(&sql, [member_id.0], rows::member_raw)
                .optional()
                .map_err(db_err("reading a member"))?
                .map(rows::RawMember::decode)
                .transpose()
        })
        .await
    }

    async fn members_page(
        &self,
        insurer: Option<&onshi_domain::id::InsurerNumber>,
        after: Option<crate::MemberId>,
        limit: u32,
    ) -> Result<Vec<StoredMember>, StoreError> {
        let insurer = insurer.map(|i| i.as_str().to_owned());
        let after = after.map_or(i64::MIN, |m| m.0);
        self.read(move |conn| {
            let sql = format!(
                "{} WHERE member_id > ?1 AND (?2 IS NULL OR insurer_number = ?2) ORDER BY member_id LIMIT ?3",
                rows::MEMBER_SELECT
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the members page"))?;
            let raws = stmt
                .query_map(params![after, insurer, i64::from(limit)], rows::member_raw)
                .map_err(db_err("reading members"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db_err("reading members"))?;
            raws.into_iter().map(rows::RawMember::decode).collect()
        })
        .await
    }

    async fn insert_document(&self, document: crate::eligibility::EligibilityDocument) -> Result<(), StoreError> {
        self.write(move |conn| eligibility::insert_document(conn, &document)).await
    }

    async fn document(&self, serial: &str) -> Result<Option<crate::eligibility::EligibilityDocument>, StoreError> {
        let serial = serial.to_owned();
        self.read(move |conn| eligibility::document(conn, &serial)).await
    }

    async fn documents_of_member(
        &self,
        member_id: crate::MemberId,
    ) -> Result<Vec<crate::eligibility::EligibilityDocument>, StoreError> {
        self.read(move |conn| eligibility::documents_of_member(conn, member_id)).await
    }

    async fn inspection_batch(
        &self,
        insurer: Option<onshi_domain::id::InsurerNumber>,
        after: Option<MemberKey>,
        limit: u32,
    ) -> Result<Vec<crate::inspection::InspectionItem>, StoreError> {
        self.read(move |conn| inspection::inspection_batch(conn, insurer.as_ref(), after.as_ref(), limit)).await
    }

    async fn inspection_size(&self, insurer: Option<onshi_domain::id::InsurerNumber>) -> Result<u64, StoreError> {
        self.read(move |conn| inspection::inspection_size(conn, insurer.as_ref())).await
    }

    async fn match_candidates(&self, keys: Vec<String>) -> Result<Vec<crate::inspection::Candidate>, StoreError> {
        self.read(move |conn| inspection::match_candidates(conn, &keys)).await
    }

    async fn fill_match_keys(&self, limit: u32) -> Result<u64, StoreError> {
        self.write(move |conn| inspection::fill_match_keys(conn, limit)).await
    }

    async fn suspend_links(
        &self,
        links: Vec<crate::inspection::NewSuspension>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StoreError> {
        self.write(move |conn| inspection::suspend_links(conn, &links, at)).await
    }

    async fn suspended_links(
        &self,
        insurer: Option<onshi_domain::id::InsurerNumber>,
    ) -> Result<Vec<crate::inspection::SuspendedLink>, StoreError> {
        self.read(move |conn| inspection::suspended_links(conn, insurer.as_ref())).await
    }

    async fn suspensions_of_member(
        &self,
        member_id: crate::MemberId,
    ) -> Result<Vec<crate::inspection::Suspension>, StoreError> {
        self.read(move |conn| inspection::suspensions_of_member(conn, member_id)).await
    }

    async fn decide_link(
        &self,
        key: &MemberKey,
        decision: crate::inspection::LinkDecision,
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<StoredMember, StoreError> {
        let (key, by) = (key.clone(), by.to_owned());
        self.write(move |conn| inspection::decide_link(conn, &key, &decision, &by, at)).await
    }

    async fn notices_of_person(&self, person_id: PersonId) -> Result<Vec<crate::inspection::Notice>, StoreError> {
        self.read(move |conn| inspection::notices_of_person(conn, person_id)).await
    }

    async fn record_medical_access(&self, access: crate::inspection::MedicalAccess) -> Result<(), StoreError> {
        self.write(move |conn| inspection::record_medical_access(conn, &access)).await
    }

    async fn accesses_through_link(
        &self,
        member_id: crate::MemberId,
        person_id: PersonId,
    ) -> Result<Vec<crate::inspection::MedicalAccess>, StoreError> {
        self.read(move |conn| inspection::accesses_through_link(conn, member_id, person_id)).await
    }

    async fn acquire_member(
        &self,
        member: Member,
        at: chrono::DateTime<chrono::Utc>,
        actor: &str,
    ) -> Result<StoredMember, StoreError> {
        let actor = actor.to_owned();
        self.write(move |conn| members::acquire(conn, member, at, &actor)).await
    }

    async fn change_member(
        &self,
        key: &MemberKey,
        change: onshi_domain::insurance::MemberChange,
        at: chrono::DateTime<chrono::Utc>,
        actor: &str,
    ) -> Result<StoredMember, StoreError> {
        let (key, actor) = (key.clone(), actor.to_owned());
        self.write(move |conn| members::change(conn, &key, &change, at, &actor)).await
    }

    async fn lose_member(
        &self,
        key: &MemberKey,
        lost_on: Date,
        reason: onshi_domain::insurance::LossReason,
        at: chrono::DateTime<chrono::Utc>,
        actor: &str,
    ) -> Result<StoredMember, StoreError> {
        let (key, actor) = (key.clone(), actor.to_owned());
        self.write(move |conn| members::lose(conn, &key, lost_on, reason, at, &actor)).await
    }

    async fn member_events(&self, member_id: crate::MemberId) -> Result<Vec<crate::members::MemberEvent>, StoreError> {
        self.read(move |conn| members::events(conn, member_id)).await
    }

    async fn late_registrations(
        &self,
        insurer: &onshi_domain::id::InsurerNumber,
        from: Date,
        to: Date,
    ) -> Result<Vec<crate::members::LateRegistration>, StoreError> {
        let insurer = insurer.clone();
        self.read(move |conn| members::late_registrations(conn, &insurer, from, to)).await
    }

    async fn upsert_medical_records(
        &self,
        records: Vec<crate::medical::NewRecord>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<BatchOutcome, StoreError> {
        self.write(move |conn| medical::upsert_records(conn, &records, at)).await
    }

    async fn medical_records_of_person(
        &self,
        person_id: PersonId,
        kinds: Vec<String>,
        from: Date,
    ) -> Result<Vec<crate::medical::StoredRecord>, StoreError> {
        self.read(move |conn| medical::records_of_person(conn, person_id, &kinds, from)).await
    }

    async fn medical_record_counts(&self) -> Result<(u64, u64), StoreError> {
        self.read(medical::record_counts).await
    }

    async fn consents_in_force(
        &self,
        person_id: PersonId,
        facility_code: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<crate::medical::StoredConsent>, StoreError> {
        let facility_code = facility_code.to_owned();
        self.read(move |conn| medical::consents_in_force(conn, person_id, &facility_code, at)).await
    }

    async fn consent(&self, consent_id: i64) -> Result<Option<crate::medical::StoredConsent>, StoreError> {
        self.read(move |conn| medical::consent(conn, consent_id)).await
    }

    async fn revoke_consent(
        &self,
        consent_id: i64,
        at: chrono::DateTime<chrono::Utc>,
        by: &str,
    ) -> Result<crate::medical::StoredConsent, StoreError> {
        let by = by.to_owned();
        self.write(move |conn| medical::revoke_consent(conn, consent_id, at, &by)).await
    }

    async fn upsert_staff(&self, staff: crate::medical::Staff) -> Result<(), StoreError> {
        self.write(move |conn| medical::upsert_staff(conn, &staff)).await
    }

    async fn staff(&self, facility_code: &str, staff_id: &str) -> Result<Option<crate::medical::Staff>, StoreError> {
        let (facility_code, staff_id) = (facility_code.to_owned(), staff_id.to_owned());
        self.read(move |conn| medical::staff(conn, &facility_code, &staff_id)).await
    }

    async fn set_emergency_facility(
        &self,
        facility_code: &str,
        designated: bool,
        at: chrono::DateTime<chrono::Utc>,
        by: &str,
    ) -> Result<(), StoreError> {
        let (facility_code, by) = (facility_code.to_owned(), by.to_owned());
        self.write(move |conn| medical::set_emergency(conn, &facility_code, designated, at, &by)).await
    }

    async fn is_emergency_facility(&self, facility_code: &str) -> Result<bool, StoreError> {
        let facility_code = facility_code.to_owned();
        self.read(move |conn| medical::is_emergency(conn, &facility_code)).await
    }

    async fn upsert_crew(&self, crew: crate::medical::Crew) -> Result<(), StoreError> {
        self.write(move |conn| medical::upsert_crew(conn, &crew)).await
    }

    async fn crew(&self, crew_code: &str) -> Result<Option<crate::medical::Crew>, StoreError> {
        let crew_code = crew_code.to_owned();
        self.read(move |conn| medical::crew(conn, &crew_code)).await
    }

    async fn insert_crew_client(&self, client: crate::medical::CrewClient) -> Result<(), StoreError> {
        self.write(move |conn| medical::insert_crew_client(conn, &client)).await
    }

    async fn crew_client(&self, client_id: &str) -> Result<Option<crate::medical::CrewClient>, StoreError> {
        let client_id = client_id.to_owned();
        self.read(move |conn| medical::crew_client(conn, &client_id)).await
    }

    async fn append_accesses(
        &self,
        accesses: Vec<onshi_domain::audit::Access>,
        signer: crate::medical::Signer,
    ) -> Result<Vec<onshi_domain::audit::Entry>, StoreError> {
        self.write(move |conn| medical::append(conn, accesses, &signer)).await
    }

    async fn access_log_of_person(&self, person_id: PersonId) -> Result<crate::medical::PersonLog, StoreError> {
        self.read(move |conn| medical::log_of_person(conn, person_id)).await
    }

    async fn access_log_page(
        &self,
        after: Option<(PersonId, u64)>,
        limit: u32,
    ) -> Result<Vec<onshi_domain::audit::Entry>, StoreError> {
        self.read(move |conn| medical::log_page(conn, after, limit)).await
    }

    async fn access_heads_page(
        &self,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<crate::medical::AccessHead>, StoreError> {
        self.read(move |conn| medical::heads_page(conn, after, limit)).await
    }
}
