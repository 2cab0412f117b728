//! The PostgreSQL store, for production.
//!
//! Batch upserts send each column as one array and unnest it server-side
//! (`INSERT … SELECT FROM UNNEST(…) ON CONFLICT … DO UPDATE … WHERE … IS
//! DISTINCT FROM …`), so a batch of thousands of rows is one round trip and an
//! unchanged row is not rewritten. If the batch hits a uniqueness conflict that
//! is not its own key (a My Number held by another resident), the batch is
//! retried row by row under savepoints so that only the offending rows are
//! rejected.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Executor, PgPool, Postgres, Row, Transaction};

use onshi_domain::Date;
use onshi_domain::facility::Facility;
use onshi_domain::id::{FacilityCode, MyNumber};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::registry::{Resident, ResidentCode};

mod eligibility;
mod inspection;
mod jpki;
mod medical;
mod members;
mod oidc;
mod portal;

use crate::decode::{RawAttributes, RawMember, RawResident, mask_my_number};
use crate::migrate::{MIGRATIONS, Migration, MigrationReport};
use crate::{
    Backend, BatchOutcome, Counts, Insurer, PersonId, RowConflict, Store, StoreError, StoredMember, StoredResident,
};

/// The PostgreSQL implementation of [`Store`].
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

pub(super) fn db_err(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| StoreError::unavailable(context, e)
}

pub(super) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().and_then(|db| db.code()).is_some_and(|code| code == "23505")
}

const RESIDENT_SELECT: &str =
    "SELECT person_id, resident_code, my_number, name_kanji, name_kana, birth_date, sex, address FROM residents";

const MEMBER_SELECT: &str = "SELECT member_id, insurer_number, symbol, number, branch, relationship,
    name_kanji, name_kana, birth_date, sex, address, my_number, copay_ratio, acquired_on, lost_on, person_id,
    link_method, link_state, loss_reason, limit_kind, limit_category, limit_issued_on, limit_valid_from,
    limit_valid_until, elderly_issued_on, elderly_valid_from, elderly_valid_until, elderly_copay_ratio, notified_on,
    registered_at FROM members";

const RESIDENT_UPSERT: &str = "
    INSERT INTO residents (resident_code, my_number, name_kanji, name_kana, birth_date, sex, address, match_key)
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::int2[], $7::text[],
                         $8::text[])
    ON CONFLICT (resident_code) DO UPDATE SET
        my_number = EXCLUDED.my_number, name_kanji = EXCLUDED.name_kanji, name_kana = EXCLUDED.name_kana,
        birth_date = EXCLUDED.birth_date, sex = EXCLUDED.sex, address = EXCLUDED.address,
        match_key = EXCLUDED.match_key, updated_at = now()
    WHERE (residents.my_number, residents.name_kanji, residents.name_kana, residents.birth_date, residents.sex,
           residents.address, residents.match_key)
          IS DISTINCT FROM
          (EXCLUDED.my_number, EXCLUDED.name_kanji, EXCLUDED.name_kana, EXCLUDED.birth_date, EXCLUDED.sex,
           EXCLUDED.address, EXCLUDED.match_key)
    RETURNING (xmax = 0) AS inserted, my_number";

const INSURER_INSERT: &str = "
    INSERT INTO insurers (insurer_number, kind)
    SELECT DISTINCT * FROM UNNEST($1::text[], $2::text[])
    ON CONFLICT (insurer_number) DO NOTHING";

const FACILITY_UPSERT: &str = "
    INSERT INTO facilities (facility_code, name, kind, address)
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])
    ON CONFLICT (facility_code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, address = EXCLUDED.address
    WHERE (facilities.name, facilities.kind, facilities.address)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.address)
    RETURNING (xmax = 0) AS inserted";

/// The residents of a batch as column arrays.
struct ResidentColumns {
    resident_code: Vec<String>,
    my_number: Vec<String>,
    name_kanji: Vec<String>,
    name_kana: Vec<String>,
    birth_date: Vec<Date>,
    sex: Vec<i16>,
    address: Vec<String>,
    match_key: Vec<String>,
}

impl ResidentColumns {
    fn of(residents: &[Resident]) -> ResidentColumns {
        ResidentColumns {
            resident_code: residents.iter().map(|r| r.resident_code.as_str().to_owned()).collect(),
            my_number: residents.iter().map(|r| r.my_number.as_str().to_owned()).collect(),
            name_kanji: residents.iter().map(|r| r.attributes.name_kanji.clone()).collect(),
            name_kana: residents.iter().map(|r| r.attributes.name_kana.clone()).collect(),
            birth_date: residents.iter().map(|r| r.attributes.birth_date).collect(),
            sex: residents.iter().map(|r| i16::from(r.attributes.sex.code())).collect(),
            address: residents.iter().map(|r| r.attributes.address.clone()).collect(),
            match_key: residents
                .iter()
                .map(|r| crate::inspection::match_key(&r.attributes.name_kana, r.attributes.birth_date))
                .collect(),
        }
    }

    /// Upsert; returns the outcome and the My Numbers of the rows written,
    /// whose waiting members [`inspection::link_waiting`] then links.
    async fn upsert(self, tx: &mut Transaction<'static, Postgres>) -> Result<(BatchOutcome, Vec<String>), sqlx::Error> {
        let n = self.resident_code.len();
        let rows = sqlx::query(RESIDENT_UPSERT)
            .bind(self.resident_code)
            .bind(self.my_number)
            .bind(self.name_kanji)
            .bind(self.name_kana)
            .bind(self.birth_date)
            .bind(self.sex)
            .bind(self.address)
            .bind(self.match_key)
            .fetch_all(&mut **tx)
            .await?;
        let mut outcome = BatchOutcome { unchanged: (n - rows.len()) as u64, ..BatchOutcome::default() };
        let mut written_numbers = Vec::with_capacity(rows.len());
        for row in rows {
            if row.try_get::<bool, _>("inserted")? {
                outcome.inserted += 1;
            } else {
                outcome.updated += 1;
            }
            written_numbers.push(row.try_get::<String, _>("my_number")?);
        }
        Ok((outcome, written_numbers))
    }
}

impl PostgresStore {
    /// Connect to `postgres://…`.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        Self::connect_with(url, None, crate::OpenOptions::default()).await
    }

    /// Connect with every session's `search_path` set to `schema` (created if
    /// missing). Tests use it to give each case a database of its own.
    pub async fn connect_in_schema(url: &str, schema: Option<&str>) -> Result<PostgresStore, StoreError> {
        Self::connect_with(url, schema, crate::OpenOptions::default()).await
    }

    /// Connect with options, optionally inside `schema`.
    pub async fn connect_with(
        url: &str,
        schema: Option<&str>,
        open: crate::OpenOptions,
    ) -> Result<PostgresStore, StoreError> {
        let options: PgConnectOptions =
            url.parse().map_err(|e: sqlx::Error| StoreError::BadUrl { url: redact(url), reason: e.to_string() })?;
        if let Some(schema) = schema {
            if !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(StoreError::BadUrl {
                    url: redact(url),
                    reason: format!("schema name {schema:?} must be [A-Za-z0-9_]"),
                });
            }
            let bootstrap = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options.clone())
                .await
                .map_err(db_err("connecting to PostgreSQL"))?;
            bootstrap
                .execute(AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}")))
                .await
                .map_err(db_err("creating the schema"))?;
            bootstrap.close().await;
        }
        let options = match schema {
            Some(schema) => options.options([("search_path", schema)]),
            None => options,
        };
        let pool = PgPoolOptions::new()
            .max_connections(open.max_connections.max(2))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::unavailable(format!("connecting to PostgreSQL at {}", redact(url)), e))?;
        Ok(PostgresStore { pool })
    }

    /// Drop and recreate `schema` (tests only: each case starts empty).
    pub async fn reset_schema_for_tests(&self, schema: &str) -> Result<(), StoreError> {
        if !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Conflict { what: format!("schema name {schema:?} must be [A-Za-z0-9_]") });
        }
        sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};")))
            .execute(&self.pool)
            .await
            .map_err(db_err("resetting the test schema"))?;
        Ok(())
    }

    async fn begin(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(db_err("starting a transaction"))
    }

    /// Row-by-row fallback: each resident under its own savepoint, so that
    /// a conflicting row is rejected and the others are written.
    async fn upsert_residents_one_by_one(&self, residents: &[Resident]) -> Result<BatchOutcome, StoreError> {
        let mut tx = self.begin().await?;
        let mut outcome = BatchOutcome::default();
        let mut written = Vec::new();
        for (idx, resident) in residents.iter().enumerate() {
            sqlx::query("SAVEPOINT one_row").execute(&mut *tx).await.map_err(db_err("starting a savepoint"))?;
            match ResidentColumns::of(std::slice::from_ref(resident)).upsert(&mut tx).await {
                Ok((one, numbers)) => {
                    outcome.absorb(one, idx);
                    written.extend(numbers);
                }
                Err(e) if is_unique_violation(&e) => {
                    sqlx::query("ROLLBACK TO SAVEPOINT one_row")
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err("rolling back a savepoint"))?;
                    let holder: String = sqlx::query_scalar("SELECT resident_code FROM residents WHERE my_number = $1")
                        .bind(resident.my_number.as_str())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db_err("looking up the holder of a My Number"))?;
                    outcome.rejected.push((
                        idx,
                        RowConflict::MyNumberTaken { my_number: mask_my_number(resident.my_number.as_str()), holder },
                    ));
                }
                Err(e) => return Err(StoreError::unavailable("upserting a resident", e)),
            }
            sqlx::query("RELEASE SAVEPOINT one_row")
                .execute(&mut *tx)
                .await
                .map_err(db_err("releasing a savepoint"))?;
        }
        let (linked, suspended) = inspection::link_waiting(&mut tx, written).await?;
        outcome.linked += linked;
        outcome.suspended += suspended;
        tx.commit().await.map_err(db_err("committing residents"))?;
        Ok(outcome)
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &userinfo[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn attributes(row: &PgRow, first: usize) -> Result<RawAttributes, sqlx::Error> {
    Ok(RawAttributes {
        name_kanji: row.try_get(first)?,
        name_kana: row.try_get(first + 1)?,
        birth_date: row.try_get(first + 2)?,
        sex: i64::from(row.try_get::<i16, _>(first + 3)?),
        address: row.try_get(first + 4)?,
    })
}

fn resident_raw(row: &PgRow) -> Result<RawResident, sqlx::Error> {
    Ok(RawResident {
        person_id: row.try_get(0)?,
        resident_code: row.try_get(1)?,
        my_number: row.try_get(2)?,
        attributes: attributes(row, 3)?,
    })
}

fn member_raw(row: &PgRow) -> Result<RawMember, sqlx::Error> {
    Ok(RawMember {
        member_id: row.try_get(0)?,
        insurer_number: row.try_get(1)?,
        symbol: row.try_get(2)?,
        number: row.try_get(3)?,
        branch: i64::from(row.try_get::<i16, _>(4)?),
        relationship: i64::from(row.try_get::<i16, _>(5)?),
        attributes: attributes(row, 6)?,
        my_number: row.try_get(11)?,
        copay_ratio: i64::from(row.try_get::<i16, _>(12)?),
        acquired_on: row.try_get(13)?,
        lost_on: row.try_get(14)?,
        person_id: row.try_get(15)?,
        link_method: row.try_get(16)?,
        link_state: row.try_get(17)?,
        details: crate::decode::RawDetails {
            loss_reason: row.try_get(18)?,
            limit_kind: row.try_get(19)?,
            limit_category: row.try_get(20)?,
            limit_issued_on: row.try_get(21)?,
            limit_valid_from: row.try_get(22)?,
            limit_valid_until: row.try_get(23)?,
            elderly_issued_on: row.try_get(24)?,
            elderly_valid_from: row.try_get(25)?,
            elderly_valid_until: row.try_get(26)?,
            elderly_copay_ratio: row.try_get::<Option<i16>, _>(27)?.map(i64::from),
            notified_on: row.try_get(28)?,
            registered_at: row.try_get(29)?,
        },
    })
}

/// Write members by key inside `tx`, registering unknown insurers and
/// judging each new or changed link; `now` is the `registered_at` of new rows.
pub(super) async fn write_members(
    tx: &mut Transaction<'static, Postgres>,
    members: &[Member],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<BatchOutcome, StoreError> {
    let mut insurers: Vec<(String, &'static str)> = members
        .iter()
        .map(|m| (m.key.insurer_number.as_str().to_owned(), m.key.insurer_number.kind().code()))
        .collect();
    insurers.sort_unstable();
    insurers.dedup();
    let (numbers, kinds): (Vec<String>, Vec<&str>) = insurers.into_iter().unzip();
    sqlx::query(INSURER_INSERT)
        .bind(numbers)
        .bind(kinds)
        .execute(&mut **tx)
        .await
        .map_err(db_err("registering insurers"))?;
    inspection::upsert_members(tx, members, now).await
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT count(*) FROM schema_migrations").execute(&self.pool).await.map_err(db_err("ping"))?;
        Ok(())
    }

    async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        let mut tx = self.begin().await?;
        // One migrator at a time across every process sharing the database.
        sqlx::query("SELECT pg_advisory_xact_lock(7301500001)")
            .execute(&mut *tx)
            .await
            .map_err(db_err("taking the migration lock"))?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .execute(&mut *tx)
        .await
        .map_err(db_err("creating schema_migrations"))?;
        let mut report = MigrationReport::default();
        for migration in MIGRATIONS {
            let checksum = Migration::checksum(migration.postgres);
            let applied: Option<String> =
                sqlx::query_scalar("SELECT checksum FROM schema_migrations WHERE version = $1")
                    .bind(migration.version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err("reading schema_migrations"))?;
            match applied {
                Some(found) if found == checksum => report.already += 1,
                Some(found) => {
                    return Err(migration.edited(&found, &checksum));
                }
                None => {
                    sqlx::raw_sql(migration.postgres).execute(&mut *tx).await.map_err(|e| StoreError::Migration {
                        name: migration.name.to_owned(),
                        reason: e.to_string(),
                    })?;
                    sqlx::query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)")
                        .bind(migration.version)
                        .bind(migration.name)
                        .bind(checksum)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err("recording a migration"))?;
                    report.applied.push(migration.name);
                }
            }
        }
        tx.commit().await.map_err(db_err("committing migrations"))?;
        Ok(report)
    }

    async fn upsert_residents(&self, residents: Vec<Resident>) -> Result<BatchOutcome, StoreError> {
        let mut tx = self.begin().await?;
        match ResidentColumns::of(&residents).upsert(&mut tx).await {
            Ok((mut outcome, written)) => {
                // Each waiting member is judged against its resident before
                // its link is usable (issue 8).
                let (linked, suspended) = inspection::link_waiting(&mut tx, written).await?;
                outcome.linked += linked;
                outcome.suspended += suspended;
                tx.commit().await.map_err(db_err("committing residents"))?;
                Ok(outcome)
            }
            Err(e) if is_unique_violation(&e) => {
                tx.rollback().await.map_err(db_err("rolling back residents"))?;
                self.upsert_residents_one_by_one(&residents).await
            }
            Err(e) => Err(StoreError::unavailable("upserting residents", e)),
        }
    }

    async fn upsert_members(&self, members: Vec<Member>) -> Result<BatchOutcome, StoreError> {
        let mut tx = self.begin().await?;
        let outcome = write_members(&mut tx, &members, chrono::Utc::now()).await?;
        tx.commit().await.map_err(db_err("committing members"))?;
        Ok(outcome)
    }

    async fn upsert_insurers(&self, insurers: Vec<crate::Insurer>) -> Result<BatchOutcome, StoreError> {
        let rows = sqlx::query(
            "INSERT INTO insurers (insurer_number, kind, name)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])
             ON CONFLICT (insurer_number) DO UPDATE SET name = EXCLUDED.name
             WHERE insurers.name IS DISTINCT FROM EXCLUDED.name
             RETURNING (xmax = 0) AS inserted",
        )
        .bind(insurers.iter().map(|i| i.insurer_number.as_str().to_owned()).collect::<Vec<_>>())
        .bind(insurers.iter().map(|i| i.kind.code()).collect::<Vec<_>>())
        .bind(insurers.iter().map(|i| i.name.clone()).collect::<Vec<_>>())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("upserting insurers"))?;
        let mut outcome = BatchOutcome { unchanged: (insurers.len() - rows.len()) as u64, ..BatchOutcome::default() };
        for row in rows {
            if row.try_get::<bool, _>("inserted").map_err(db_err("reading the upsert result"))? {
                outcome.inserted += 1;
            } else {
                outcome.updated += 1;
            }
        }
        Ok(outcome)
    }

    async fn upsert_facilities(&self, facilities: Vec<Facility>) -> Result<BatchOutcome, StoreError> {
        let rows = sqlx::query(FACILITY_UPSERT)
            .bind(facilities.iter().map(|f| f.code.as_str().to_owned()).collect::<Vec<_>>())
            .bind(facilities.iter().map(|f| f.name.clone()).collect::<Vec<_>>())
            .bind(facilities.iter().map(|f| f.kind.code()).collect::<Vec<_>>())
            .bind(facilities.iter().map(|f| f.address.clone()).collect::<Vec<_>>())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err("upserting facilities"))?;
        let mut outcome = BatchOutcome { unchanged: (facilities.len() - rows.len()) as u64, ..BatchOutcome::default() };
        for row in rows {
            if row.try_get::<bool, _>("inserted").map_err(db_err("reading the upsert result"))? {
                outcome.inserted += 1;
            } else {
                outcome.updated += 1;
            }
        }
        Ok(outcome)
    }

    async fn resident_by_code(&self, code: &ResidentCode) -> Result<Option<StoredResident>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{RESIDENT_SELECT} WHERE resident_code = $1")))
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("reading a resident"))?;
        row.map(|row| resident_raw(&row).map_err(db_err("decoding a resident"))?.decode()).transpose()
    }

    async fn resident_by_person(&self, person_id: PersonId) -> Result<Option<StoredResident>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{RESIDENT_SELECT} WHERE person_id = $1")))
            .bind(person_id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("reading a resident"))?;
        row.map(|row| resident_raw(&row).map_err(db_err("decoding a resident"))?.decode()).transpose()
    }

    async fn resident_by_my_number(&self, my_number: &MyNumber) -> Result<Option<StoredResident>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{RESIDENT_SELECT} WHERE my_number = $1")))
            .bind(my_number.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("reading a resident"))?;
        row.map(|row| resident_raw(&row).map_err(db_err("decoding a resident"))?.decode()).transpose()
    }

    async fn member_by_key(&self, key: &MemberKey) -> Result<Option<StoredMember>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{MEMBER_SELECT} WHERE insurer_number = $1 AND symbol = $2 AND number = $3 AND branch = $4"
        )))
        .bind(key.insurer_number.as_str())
        .bind(key.symbol.as_str())
        .bind(key.number.as_str())
        .bind(i16::from(key.branch.value()))
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err("reading a member"))?;
        row.map(|row| member_raw(&row).map_err(db_err("decoding a member"))?.decode()).transpose()
    }

    async fn members_of_person(&self, person_id: PersonId) -> Result<Vec<StoredMember>, StoreError> {
        let rows =
            sqlx::query(AssertSqlSafe(format!("{MEMBER_SELECT} WHERE person_id = $1 ORDER BY acquired_on, member_id")))
                .bind(person_id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db_err("reading members"))?;
        rows.iter().map(|row| member_raw(row).map_err(db_err("decoding a member"))?.decode()).collect()
    }

    async fn insurers(&self) -> Result<Vec<Insurer>, StoreError> {
        let rows = sqlx::query("SELECT insurer_number, name FROM insurers ORDER BY insurer_number")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err("reading insurers"))?;
        rows.iter()
            .map(|row| {
                let number: String = row.try_get(0).map_err(db_err("decoding an insurer"))?;
                crate::decode::insurer(&number, row.try_get(1).map_err(db_err("decoding an insurer"))?)
            })
            .collect()
    }

    async fn facility(&self, code: &FacilityCode) -> Result<Option<Facility>, StoreError> {
        let row = sqlx::query("SELECT facility_code, name, kind, address FROM facilities WHERE facility_code = $1")
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("reading a facility"))?;
        row.map(|row| {
            let get = |idx: usize| row.try_get::<String, _>(idx).map_err(db_err("decoding a facility"));
            crate::decode::facility(&get(0)?, get(1)?, &get(2)?, get(3)?)
        })
        .transpose()
    }

    async fn counts(&self, today: Date) -> Result<Counts, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM residents), (SELECT count(*) FROM insurers),
                    (SELECT count(*) FROM members), (SELECT count(*) FROM members WHERE person_id IS NOT NULL),
                    (SELECT count(*) FROM members WHERE acquired_on <= $1 AND (lost_on IS NULL OR lost_on > $1)),
                    (SELECT count(*) FROM facilities)",
        )
        .bind(today)
        .fetch_one(&self.pool)
        .await
        .map_err(db_err("counting rows"))?;
        let get = |idx: usize| row.try_get::<i64, _>(idx).map(|n| n as u64).map_err(db_err("decoding counts"));
        Ok(Counts {
            residents: get(0)?,
            insurers: get(1)?,
            members: get(2)?,
            members_linked: get(3)?,
            members_eligible_today: get(4)?,
            facilities: get(5)?,
        })
    }

    async fn insert_card(&self, card: crate::jpki::NewCard) -> Result<crate::jpki::StoredCard, StoreError> {
        jpki::insert_card(&self.pool, card).await
    }

    async fn card(&self, card_serial: &str) -> Result<Option<crate::jpki::StoredCard>, StoreError> {
        jpki::card(&self.pool, card_serial).await
    }

    async fn cards_of_person(&self, person_id: PersonId) -> Result<Vec<crate::jpki::StoredCard>, StoreError> {
        jpki::cards_of_person(&self.pool, person_id).await
    }

    async fn change_card(
        &self,
        card_serial: &str,
        change: crate::jpki::CardChange,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::jpki::StoredCard, StoreError> {
        jpki::change_card(&self.pool, card_serial, change, at).await
    }

    async fn certificates_of_card(&self, card_serial: &str) -> Result<Vec<crate::jpki::StoredCertificate>, StoreError> {
        jpki::certificates_of_card(&self.pool, card_serial).await
    }

    async fn certificate(&self, serial: &[u8]) -> Result<Option<crate::jpki::StoredCertificate>, StoreError> {
        jpki::certificate(&self.pool, serial).await
    }

    async fn card_events(&self, card_serial: &str) -> Result<Vec<crate::jpki::CardEvent>, StoreError> {
        jpki::card_events(&self.pool, card_serial).await
    }

    async fn status_number(&self, kind: crate::jpki::CertKind) -> Result<u64, StoreError> {
        jpki::status_number(&self.pool, kind).await
    }

    async fn status_list(&self, kind: crate::jpki::CertKind) -> Result<crate::jpki::StatusList, StoreError> {
        jpki::status_list(&self.pool, kind).await
    }

    async fn insert_relying_party(&self, party: crate::oidc::RelyingParty) -> Result<(), StoreError> {
        oidc::insert_relying_party(&self.pool, &party).await
    }

    async fn relying_party(&self, client_id: &str) -> Result<Option<crate::oidc::RelyingParty>, StoreError> {
        oidc::relying_party(&self.pool, client_id).await
    }

    async fn insert_pushed_request(&self, request: crate::oidc::PushedRequest) -> Result<(), StoreError> {
        oidc::insert_pushed_request(&self.pool, &request).await
    }

    async fn take_pushed_request(
        &self,
        request_uri: &str,
        client_id: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<crate::oidc::PushedRequest>, StoreError> {
        oidc::take_pushed_request(&self.pool, request_uri, client_id, at).await
    }

    async fn insert_authorization(&self, authorization: crate::oidc::Authorization) -> Result<(), StoreError> {
        oidc::insert_authorization(&self.pool, &authorization).await
    }

    async fn authorization(&self, id: &str) -> Result<Option<crate::oidc::StoredAuthorization>, StoreError> {
        oidc::authorization(&self.pool, id).await
    }

    async fn authorization_by_user_code(
        &self,
        user_code: &str,
    ) -> Result<Option<crate::oidc::StoredAuthorization>, StoreError> {
        oidc::authorization_by_user_code(&self.pool, user_code).await
    }

    async fn decide_authorization(
        &self,
        id: &str,
        decision: crate::oidc::Decision,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        oidc::decide_authorization(&self.pool, id, &decision, at).await
    }

    async fn complete_authorization(&self, id: &str, code: crate::oidc::AuthorizationCode) -> Result<bool, StoreError> {
        oidc::complete_authorization(&self.pool, id, &code).await
    }

    async fn take_code(
        &self,
        code_sha256: &[u8],
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::oidc::CodeTake, StoreError> {
        oidc::take_code(&self.pool, code_sha256, at).await
    }

    async fn insert_access_token(&self, token: crate::oidc::AccessToken) -> Result<(), StoreError> {
        oidc::insert_access_token(&self.pool, &token).await
    }

    async fn access_token(&self, token_sha256: &[u8]) -> Result<Option<crate::oidc::AccessToken>, StoreError> {
        oidc::access_token(&self.pool, token_sha256).await
    }

    async fn use_assertion_id(
        &self,
        client_id: &str,
        jti: &str,
        expires_at: chrono::DateTime<chrono::Utc>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        oidc::use_assertion_id(&self.pool, client_id, jti, expires_at, at).await
    }

    async fn insert_portal_session(&self, session: crate::portal::PortalSession) -> Result<(), StoreError> {
        portal::insert_session(&self.pool, &session).await
    }

    async fn touch_portal_session(
        &self,
        session_sha256: &[u8],
        at: chrono::DateTime<chrono::Utc>,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<crate::portal::PortalSession>, StoreError> {
        portal::touch_session(&self.pool, session_sha256, at, expires_at).await
    }

    async fn sign_in_portal_session(
        &self,
        pending_sha256: &[u8],
        session: crate::portal::PortalSession,
    ) -> Result<Option<crate::portal::PortalSession>, StoreError> {
        portal::sign_in_session(&self.pool, pending_sha256, session).await
    }

    async fn end_portal_session(&self, session_sha256: &[u8]) -> Result<bool, StoreError> {
        portal::end_session(&self.pool, session_sha256).await
    }

    async fn set_facility_block(
        &self,
        person_id: PersonId,
        facility_code: &str,
        blocked: bool,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::portal::FacilityBlock, StoreError> {
        portal::set_block(&self.pool, person_id, facility_code, blocked, at).await
    }

    async fn facility_blocks_of_person(
        &self,
        person_id: PersonId,
    ) -> Result<Vec<crate::portal::FacilityBlock>, StoreError> {
        portal::blocks_of_person(&self.pool, person_id).await
    }

    async fn is_facility_blocked(&self, person_id: PersonId, facility_code: &str) -> Result<bool, StoreError> {
        portal::is_blocked(&self.pool, person_id, facility_code).await
    }

    async fn insert_challenge(&self, challenge: crate::jpki::Challenge) -> Result<(), StoreError> {
        jpki::insert_challenge(&self.pool, &challenge).await
    }

    async fn use_challenges(
        &self,
        uses: Vec<(crate::jpki::Challenge, chrono::DateTime<chrono::Utc>)>,
    ) -> Result<Vec<Option<chrono::DateTime<chrono::Utc>>>, StoreError> {
        jpki::use_challenges(&self.pool, &uses).await
    }

    async fn take_challenge(
        &self,
        id: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::jpki::ChallengeTake, StoreError> {
        jpki::take_challenge(&self.pool, id, at).await
    }

    async fn members_by_number(
        &self,
        insurer_number: &onshi_domain::id::InsurerNumber,
        symbol: &onshi_domain::id::Symbol,
        number: &onshi_domain::id::InsuredNumber,
        branch: Option<onshi_domain::id::Branch>,
    ) -> Result<Vec<StoredMember>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{MEMBER_SELECT} WHERE insurer_number = $1 AND symbol = $2 AND number = $3
             AND ($4::int2 IS NULL OR branch = $4) ORDER BY branch"
        )))
        .bind(insurer_number.as_str())
        .bind(symbol.as_str())
        .bind(number.as_str())
        .bind(branch.map(|b| i16::from(b.value())))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("reading members"))?;
        rows.iter().map(|row| member_raw(row).map_err(db_err("decoding a member"))?.decode()).collect()
    }

    async fn insert_facility_client(&self, client: crate::eligibility::FacilityClient) -> Result<(), StoreError> {
        eligibility::insert_facility_client(&self.pool, &client).await
    }

    async fn facility_client(&self, client_id: &str) -> Result<Option<crate::eligibility::FacilityClient>, StoreError> {
        eligibility::facility_client(&self.pool, client_id).await
    }

    async fn record_consent(&self, consent: crate::eligibility::Consent) -> Result<i64, StoreError> {
        eligibility::record_consent(&self.pool, &consent).await
    }

    async fn consents_of_person(&self, person_id: PersonId) -> Result<Vec<crate::medical::StoredConsent>, StoreError> {
        eligibility::consents_of_person(&self.pool, person_id).await
    }

    async fn log_eligibility(&self, entries: Vec<crate::eligibility::EligibilityLogEntry>) -> Result<(), StoreError> {
        eligibility::log_eligibility(&self.pool, &entries).await
    }

    async fn record_checks(
        &self,
        consents: Vec<crate::eligibility::Consent>,
        entries: Vec<crate::eligibility::EligibilityLogEntry>,
    ) -> Result<(), StoreError> {
        eligibility::record_checks(&self.pool, &consents, &entries).await
    }

    async fn record_offline_visit(
        &self,
        visit: crate::eligibility::OfflineVisit,
        consent: Option<crate::eligibility::Consent>,
        log: crate::eligibility::EligibilityLogEntry,
    ) -> Result<crate::eligibility::OfflineVisitRecord, StoreError> {
        eligibility::record_offline_visit(&self.pool, &visit, consent.as_ref(), &log).await
    }

    async fn offline_visit(
        &self,
        facility_code: &str,
        visit_id: &str,
    ) -> Result<Option<crate::eligibility::OfflineVisit>, StoreError> {
        eligibility::offline_visit(&self.pool, facility_code, visit_id).await
    }

    async fn set_registration(&self, registration: crate::eligibility::Registration) -> Result<(), StoreError> {
        eligibility::set_registration(&self.pool, &registration).await
    }

    async fn registration(&self, person_id: PersonId) -> Result<Option<crate::eligibility::Registration>, StoreError> {
        eligibility::registration(&self.pool, person_id).await
    }

    async fn usage_tallies(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        members_on: Date,
    ) -> Result<crate::eligibility::UsageTallies, StoreError> {
        eligibility::usage_tallies(&self.pool, from, to, members_on).await
    }

    async fn member_by_id(&self, member_id: crate::MemberId) -> Result<Option<StoredMember>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{MEMBER_SELECT} WHERE member_id = $1")))
            .bind(member_id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("reading a member"))?;
        row.map(|row| member_raw(&row).map_err(db_err("decoding a member"))?.decode()).transpose()
    }

    async fn members_page(
        &self,
        insurer: Option<&onshi_domain::id::InsurerNumber>,
        after: Option<crate::MemberId>,
        limit: u32,
    ) -> Result<Vec<StoredMember>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{MEMBER_SELECT} WHERE member_id > $1 AND ($2::text IS NULL OR insurer_number = $2)
             ORDER BY member_id LIMIT $3"
        )))
        .bind(after.map_or(i64::MIN, |m| m.0))
        .bind(insurer.map(|i| i.as_str().to_owned()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("reading members"))?;
        rows.iter().map(|row| member_raw(row).map_err(db_err("decoding a member"))?.decode()).collect()
    }

    async fn insert_document(&self, document: crate::eligibility::EligibilityDocument) -> Result<(), StoreError> {
        eligibility::insert_document(&self.pool, &document).await
    }

    async fn document(&self, serial: &str) -> Result<Option<crate::eligibility::EligibilityDocument>, StoreError> {
        eligibility::document(&self.pool, serial).await
    }

    async fn documents_of_member(
        &self,
        member_id: crate::MemberId,
    ) -> Result<Vec<crate::eligibility::EligibilityDocument>, StoreError> {
        eligibility::documents_of_member(&self.pool, member_id).await
    }

    async fn inspection_batch(
        &self,
        insurer: Option<onshi_domain::id::InsurerNumber>,
        after: Option<MemberKey>,
        limit: u32,
    ) -> Result<Vec<crate::inspection::InspectionItem>, StoreError> {
        inspection::inspection_batch(&self.pool, insurer.as_ref(), after.as_ref(), limit).await
    }

    async fn inspection_size(&self, insurer: Option<onshi_domain::id::InsurerNumber>) -> Result<u64, StoreError> {
        inspection::inspection_size(&self.pool, insurer.as_ref()).await
    }

    async fn match_candidates(&self, keys: Vec<String>) -> Result<Vec<crate::inspection::Candidate>, StoreError> {
        inspection::match_candidates(&self.pool, keys).await
    }

    async fn fill_match_keys(&self, limit: u32) -> Result<u64, StoreError> {
        inspection::fill_match_keys(&self.pool, limit).await
    }

    async fn suspend_links(
        &self,
        links: Vec<crate::inspection::NewSuspension>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, StoreError> {
        inspection::suspend_links(&self.pool, links, at).await
    }

    async fn suspended_links(
        &self,
        insurer: Option<onshi_domain::id::InsurerNumber>,
    ) -> Result<Vec<crate::inspection::SuspendedLink>, StoreError> {
        inspection::suspended_links(&self.pool, insurer.as_ref()).await
    }

    async fn suspensions_of_member(
        &self,
        member_id: crate::MemberId,
    ) -> Result<Vec<crate::inspection::Suspension>, StoreError> {
        inspection::suspensions_of_member(&self.pool, member_id).await
    }

    async fn decide_link(
        &self,
        key: &MemberKey,
        decision: crate::inspection::LinkDecision,
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<StoredMember, StoreError> {
        inspection::decide_link(&self.pool, key, &decision, by, at).await
    }

    async fn notices_of_person(&self, person_id: PersonId) -> Result<Vec<crate::inspection::Notice>, StoreError> {
        inspection::notices_of_person(&self.pool, person_id).await
    }

    async fn record_medical_access(&self, access: crate::inspection::MedicalAccess) -> Result<(), StoreError> {
        inspection::record_medical_access(&self.pool, &access).await
    }

    async fn accesses_through_link(
        &self,
        member_id: crate::MemberId,
        person_id: PersonId,
    ) -> Result<Vec<crate::inspection::MedicalAccess>, StoreError> {
        inspection::accesses_through_link(&self.pool, member_id, person_id).await
    }

    async fn acquire_member(
        &self,
        member: Member,
        at: chrono::DateTime<chrono::Utc>,
        actor: &str,
    ) -> Result<StoredMember, StoreError> {
        members::acquire(&self.pool, member, at, actor).await
    }

    async fn change_member(
        &self,
        key: &MemberKey,
        change: onshi_domain::insurance::MemberChange,
        at: chrono::DateTime<chrono::Utc>,
        actor: &str,
    ) -> Result<StoredMember, StoreError> {
        members::change(&self.pool, key, &change, at, actor).await
    }

    async fn lose_member(
        &self,
        key: &MemberKey,
        lost_on: Date,
        reason: onshi_domain::insurance::LossReason,
        at: chrono::DateTime<chrono::Utc>,
        actor: &str,
    ) -> Result<StoredMember, StoreError> {
        members::lose(&self.pool, key, lost_on, reason, at, actor).await
    }

    async fn member_events(&self, member_id: crate::MemberId) -> Result<Vec<crate::members::MemberEvent>, StoreError> {
        members::events(&self.pool, member_id).await
    }

    async fn late_registrations(
        &self,
        insurer: &onshi_domain::id::InsurerNumber,
        from: Date,
        to: Date,
    ) -> Result<Vec<crate::members::LateRegistration>, StoreError> {
        members::late_registrations(&self.pool, insurer, from, to).await
    }

    async fn upsert_medical_records(
        &self,
        records: Vec<crate::medical::NewRecord>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<BatchOutcome, StoreError> {
        medical::upsert_records(&self.pool, &records, at).await
    }

    async fn medical_records_of_person(
        &self,
        person_id: PersonId,
        kinds: Vec<String>,
        from: Date,
    ) -> Result<Vec<crate::medical::StoredRecord>, StoreError> {
        medical::records_of_person(&self.pool, person_id, &kinds, from).await
    }

    async fn medical_record_counts(&self) -> Result<(u64, u64), StoreError> {
        medical::record_counts(&self.pool).await
    }

    async fn consents_in_force(
        &self,
        person_id: PersonId,
        facility_code: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<crate::medical::StoredConsent>, StoreError> {
        medical::consents_in_force(&self.pool, person_id, facility_code, at).await
    }

    async fn consent(&self, consent_id: i64) -> Result<Option<crate::medical::StoredConsent>, StoreError> {
        medical::consent(&self.pool, consent_id).await
    }

    async fn revoke_consent(
        &self,
        consent_id: i64,
        at: chrono::DateTime<chrono::Utc>,
        by: &str,
    ) -> Result<crate::medical::StoredConsent, StoreError> {
        medical::revoke_consent(&self.pool, consent_id, at, by).await
    }

    async fn upsert_staff(&self, staff: crate::medical::Staff) -> Result<(), StoreError> {
        medical::upsert_staff(&self.pool, &staff).await
    }

    async fn staff(&self, facility_code: &str, staff_id: &str) -> Result<Option<crate::medical::Staff>, StoreError> {
        medical::staff(&self.pool, facility_code, staff_id).await
    }

    async fn set_emergency_facility(
        &self,
        facility_code: &str,
        designated: bool,
        at: chrono::DateTime<chrono::Utc>,
        by: &str,
    ) -> Result<(), StoreError> {
        medical::set_emergency(&self.pool, facility_code, designated, at, by).await
    }

    async fn is_emergency_facility(&self, facility_code: &str) -> Result<bool, StoreError> {
        medical::is_emergency(&self.pool, facility_code).await
    }

    async fn upsert_crew(&self, crew: crate::medical::Crew) -> Result<(), StoreError> {
        medical::upsert_crew(&self.pool, &crew).await
    }

    async fn crew(&self, crew_code: &str) -> Result<Option<crate::medical::Crew>, StoreError> {
        medical::crew(&self.pool, crew_code).await
    }

    async fn insert_crew_client(&self, client: crate::medical::CrewClient) -> Result<(), StoreError> {
        medical::insert_crew_client(&self.pool, &client).await
    }

    async fn crew_client(&self, client_id: &str) -> Result<Option<crate::medical::CrewClient>, StoreError> {
        medical::crew_client(&self.pool, client_id).await
    }

    async fn append_accesses(
        &self,
        accesses: Vec<onshi_domain::audit::Access>,
        signer: crate::medical::Signer,
    ) -> Result<Vec<onshi_domain::audit::Entry>, StoreError> {
        medical::append(&self.pool, accesses, &signer).await
    }

    async fn access_log_of_person(&self, person_id: PersonId) -> Result<crate::medical::PersonLog, StoreError> {
        medical::log_of_person(&self.pool, person_id).await
    }

    async fn access_log_page(
        &self,
        after: Option<(PersonId, u64)>,
        limit: u32,
    ) -> Result<Vec<onshi_domain::audit::Entry>, StoreError> {
        medical::log_page(&self.pool, after, limit).await
    }

    async fn access_heads_page(
        &self,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<crate::medical::AccessHead>, StoreError> {
        medical::heads_page(&self.pool, after, limit).await
    }
}
