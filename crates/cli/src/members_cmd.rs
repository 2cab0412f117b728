//! `onshi members`: the insurer's member records, by batch (`import`) and one
//! by one: `acquire` (資格取得), `change` (変更), `lose` (資格喪失), `events`
//! (a member's history) and `late` (registrations more than 5 days after the
//! employer's notice). The same operations are on the API under `/insurer`.
//!
//! Fields are given as text and checked by `onshi_app::members`; a refusal
//! names the field, the value and the rule, and writes nothing.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use onshi_app::members::{ChangeForm, ElderlyForm, LimitForm, MemberForm, Members};
use onshi_domain::insurance::MemberKey;
use onshi_store::StoredMember;

use crate::import_cmd::{self, ImportArgs, ImportCommand};
use crate::settings::{self, DbArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum MembersCommand {
    /// Import a CSV file (UTF-8, header row). Invalid rows are reported and
    /// skipped; valid rows are upserted by key, so re-importing changes nothing.
    ///
    /// Exit status: 0 when every row was imported, 2 when some rows were
    /// rejected (the others were imported), 1 on an error that stopped the import.
    Import(ImportArgs),
    /// Register one member (資格取得); without --my-number the registry is
    /// searched on all 5 attributes (a unique match or nothing).
    Acquire(Box<AcquireArgs>),
    /// Change fields of an active member (変更); only the fields given change.
    Change(Box<ChangeArgs>),
    /// End a member's eligibility (資格喪失) with its reason.
    Lose(LoseArgs),
    /// A member's history: 資格取得, 変更, 資格喪失 with what changed.
    Events(KeyArgs),
    /// Members registered more than 5 days (in Japan) after the employer's
    /// notice, for notices in a period; CSV on standard output.
    Late(LateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct KeyArgs {
    /// 保険者番号.
    #[arg(long)]
    insurer: String,
    /// 記号.
    #[arg(long)]
    symbol: String,
    /// 番号.
    #[arg(long)]
    number: String,
    /// 枝番.
    #[arg(long, default_value = "00")]
    branch: String,
    #[command(flatten)]
    db: DbArgs,
}

impl KeyArgs {
    fn key(&self) -> anyhow::Result<MemberKey> {
        Ok(onshi_app::members::parse_key(&self.insurer, &self.symbol, &self.number, &self.branch)?)
    }
}

/// 限度額適用認定証: all five flags, or none.
#[derive(Debug, Args)]
pub(crate) struct LimitArgs {
    /// 限度額適用認定証の証区分: 01, 02 or 03.
    #[arg(long, value_name = "CODE")]
    limit_kind: Option<String>,
    /// 適用区分 (OQSCD012): A01–A06, B01–B10.
    #[arg(long, value_name = "CODE")]
    limit_category: Option<String>,
    /// 交付年月日 of the 限度額適用認定証.
    #[arg(long, value_name = "DATE")]
    limit_issued_on: Option<String>,
    /// 有効開始年月日 of the 限度額適用認定証.
    #[arg(long, value_name = "DATE")]
    limit_valid_from: Option<String>,
    /// 有効終了年月日 of the 限度額適用認定証.
    #[arg(long, value_name = "DATE")]
    limit_valid_until: Option<String>,
}

impl LimitArgs {
    fn form(&self) -> Option<LimitForm> {
        let fields = [
            &self.limit_kind,
            &self.limit_category,
            &self.limit_issued_on,
            &self.limit_valid_from,
            &self.limit_valid_until,
        ];
        fields.iter().any(|f| f.is_some()).then(|| {
            let text = |f: &Option<String>| f.clone().unwrap_or_default();
            LimitForm {
                kind: text(&self.limit_kind),
                category: text(&self.limit_category),
                issued_on: text(&self.limit_issued_on),
                valid_from: text(&self.limit_valid_from),
                valid_until: text(&self.limit_valid_until),
            }
        })
    }
}

/// 高齢受給者証: all four flags, or none.
#[derive(Debug, Args)]
pub(crate) struct ElderlyArgs {
    /// 交付年月日 of the 高齢受給者証.
    #[arg(long, value_name = "DATE")]
    elderly_issued_on: Option<String>,
    /// 有効開始年月日 of the 高齢受給者証.
    #[arg(long, value_name = "DATE")]
    elderly_valid_from: Option<String>,
    /// 有効終了年月日 of the 高齢受給者証.
    #[arg(long, value_name = "DATE")]
    elderly_valid_until: Option<String>,
    /// 一部負担金の割合 of the 高齢受給者証: 1, 2 or 3.
    #[arg(long, value_name = "N")]
    elderly_copay_ratio: Option<String>,
}

impl ElderlyArgs {
    fn form(&self) -> Option<ElderlyForm> {
        let fields =
            [&self.elderly_issued_on, &self.elderly_valid_from, &self.elderly_valid_until, &self.elderly_copay_ratio];
        fields.iter().any(|f| f.is_some()).then(|| {
            let text = |f: &Option<String>| f.clone().unwrap_or_default();
            ElderlyForm {
                issued_on: text(&self.elderly_issued_on),
                valid_from: text(&self.elderly_valid_from),
                valid_until: text(&self.elderly_valid_until),
                copay_ratio: text(&self.elderly_copay_ratio),
            }
        })
    }
}

#[derive(Debug, Args)]
pub(crate) struct AcquireArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// 漢字氏名.
    #[arg(long)]
    name_kanji: String,
    /// カナ氏名.
    #[arg(long)]
    name_kana: String,
    /// 生年月日 (ISO, YYYYMMDD or 和暦).
    #[arg(long)]
    birth_date: String,
    /// 性別: 1 男, 2 女.
    #[arg(long)]
    sex: String,
    /// 住所.
    #[arg(long)]
    address: String,
    /// 個人番号 from the 資格取得届.
    #[arg(long)]
    my_number: Option<String>,
    /// 本人・家族: 1 本人, 2 家族.
    #[arg(long, default_value = "1")]
    relationship: String,
    /// 負担割合: 1, 2 or 3.
    #[arg(long)]
    copay_ratio: String,
    /// 資格取得日.
    #[arg(long)]
    acquired_on: String,
    /// 事業主等からの届出日.
    #[arg(long)]
    notified_on: Option<String>,
    #[command(flatten)]
    limit: LimitArgs,
    #[command(flatten)]
    elderly: ElderlyArgs,
    /// Who registers (recorded in the history).
    #[arg(long, default_value = "insurer")]
    by: String,
}

#[derive(Debug, Args)]
pub(crate) struct ChangeArgs {
    #[command(flatten)]
    key: KeyArgs,
    #[arg(long)]
    name_kanji: Option<String>,
    #[arg(long)]
    name_kana: Option<String>,
    #[arg(long)]
    birth_date: Option<String>,
    #[arg(long)]
    sex: Option<String>,
    #[arg(long)]
    address: Option<String>,
    #[arg(long)]
    my_number: Option<String>,
    #[arg(long)]
    relationship: Option<String>,
    #[arg(long)]
    copay_ratio: Option<String>,
    #[arg(long)]
    acquired_on: Option<String>,
    #[arg(long)]
    notified_on: Option<String>,
    #[command(flatten)]
    limit: LimitArgs,
    /// Withdraw the 限度額適用認定証.
    #[arg(long, conflicts_with_all = ["limit_kind", "limit_category", "limit_issued_on", "limit_valid_from", "limit_valid_until"])]
    no_limit: bool,
    #[command(flatten)]
    elderly: ElderlyArgs,
    /// Withdraw the 高齢受給者証.
    #[arg(long, conflicts_with_all = ["elderly_issued_on", "elderly_valid_from", "elderly_valid_until", "elderly_copay_ratio"])]
    no_elderly: bool,
    #[arg(long, default_value = "insurer")]
    by: String,
}

#[derive(Debug, Args)]
pub(crate) struct LoseArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// 資格喪失日: the first day without eligibility.
    #[arg(long)]
    lost_on: String,
    /// 資格喪失事由: 01 死亡, 02 生活保護受給開始, 03 医療保険等の資格取得, 99 その他.
    #[arg(long)]
    reason: String,
    #[arg(long, default_value = "insurer")]
    by: String,
}

#[derive(Debug, Args)]
pub(crate) struct LateArgs {
    /// 保険者番号.
    #[arg(long)]
    insurer: String,
    /// First notice date (事業主等からの届出日) of the period.
    #[arg(long)]
    from: String,
    /// Last notice date of the period.
    #[arg(long)]
    to: String,
    #[command(flatten)]
    db: DbArgs,
}

fn describe(key: &MemberKey) -> String {
    format!("{} {} {} {:02}", key.insurer_number.as_str(), key.symbol.as_str(), key.number.as_str(), key.branch.value())
}

fn summary(stored: &StoredMember) -> String {
    let m = &stored.member;
    let mut parts = vec![format!("資格取得日 {}", m.acquired_on), format!("負担割合 {}割", m.copay_ratio)];
    if let Some(lost_on) = m.lost_on {
        let reason = m.loss_reason.map_or(String::new(), |r| format!(" ({} {})", r.code(), r.label_ja()));
        parts.push(format!("資格喪失日 {lost_on}{reason}"));
    }
    if let Some(limit) = m.limit_certificate {
        parts.push(format!(
            "限度額適用 {} {} to {}",
            limit.category.code(),
            limit.category.label_ja(),
            limit.valid_until
        ));
    }
    if let Some(elderly) = m.elderly_recipient {
        parts.push(format!("高齢受給者証 {}割 to {}", elderly.copay_ratio, elderly.valid_until));
    }
    parts.push(format!("link {}", stored.link_state.map_or("none", |s| s.code())));
    parts.join(", ")
}

async fn service(config_file: Option<PathBuf>, db: &DbArgs) -> anyhow::Result<Members> {
    let loaded = settings::load(config_file, &settings::db_overrides(db))?;
    Ok(Members::new(settings::open_store(&loaded).await?))
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: MembersCommand) -> anyhow::Result<ExitCode> {
    let now = onshi_server::Clock::System.now();
    let today = onshi_domain::date::in_japan(now);
    match command {
        MembersCommand::Import(args) => {
            import_cmd::run(config_file, onshi_app::import::Kind::Members, ImportCommand::Import(args)).await
        }
        MembersCommand::Acquire(args) => {
            let args = *args;
            let form = MemberForm {
                insurer_number: args.key.insurer.clone(),
                symbol: args.key.symbol.clone(),
                number: args.key.number.clone(),
                branch: args.key.branch.clone(),
                name_kanji: args.name_kanji,
                name_kana: args.name_kana,
                birth_date: args.birth_date,
                sex: args.sex,
                address: args.address,
                my_number: args.my_number,
                relationship: args.relationship,
                copay_ratio: args.copay_ratio,
                acquired_on: args.acquired_on,
                notified_on: args.notified_on,
                limit: args.limit.form(),
                elderly: args.elderly.form(),
            };
            let member = form.parse(today)?;
            let acquired = service(config_file, &args.key.db).await?.acquire(member, now, &args.by).await?;
            println!(
                "member {} registered (資格取得): {}; person looked up by {}",
                describe(&acquired.member.member.key),
                summary(&acquired.member),
                acquired.lookup.code()
            );
            Ok(ExitCode::SUCCESS)
        }
        MembersCommand::Change(args) => {
            let args = *args;
            let key = args.key.key()?;
            let form = ChangeForm {
                name_kanji: args.name_kanji,
                name_kana: args.name_kana,
                birth_date: args.birth_date,
                sex: args.sex,
                address: args.address,
                my_number: args.my_number,
                relationship: args.relationship,
                copay_ratio: args.copay_ratio,
                acquired_on: args.acquired_on,
                notified_on: args.notified_on,
                limit: if args.no_limit { Some(None) } else { args.limit.form().map(Some) },
                elderly: if args.no_elderly { Some(None) } else { args.elderly.form().map(Some) },
            };
            let change = form.parse(today)?;
            let changed = service(config_file, &args.key.db).await?.change(&key, change, now, &args.by).await?;
            println!("member {} changed (変更): {}", describe(&key), summary(&changed));
            Ok(ExitCode::SUCCESS)
        }
        MembersCommand::Lose(args) => {
            let key = args.key.key()?;
            let (lost_on, reason) = onshi_app::members::parse_loss(&args.lost_on, &args.reason)?;
            let lost = service(config_file, &args.key.db).await?.lose(&key, lost_on, reason, now, &args.by).await?;
            println!("member {} lost eligibility (資格喪失): {}", describe(&key), summary(&lost));
            Ok(ExitCode::SUCCESS)
        }
        MembersCommand::Events(args) => {
            let key = args.key()?;
            let (member, events) = service(config_file, &args.db).await?.events(&key).await?;
            println!("member {}: {}", describe(&key), summary(&member));
            for event in &events {
                println!(
                    "{} {} ({}) by {}",
                    event.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    event.kind.code(),
                    event.kind.label_ja(),
                    event.actor
                );
                for change in &event.changes {
                    println!("  {change}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        MembersCommand::Late(args) => {
            let late = service(config_file, &args.db).await?.late(&args.insurer, &args.from, &args.to).await?;
            println!("insurer_number,symbol,number,branch,notified_on,registered_at,days");
            for row in &late {
                let key = &row.member.member.key;
                println!(
                    "{},{},{},{:02},{},{},{}",
                    key.insurer_number.as_str(),
                    key.symbol.as_str(),
                    key.number.as_str(),
                    key.branch.value(),
                    row.notified_on,
                    row.registered_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    row.days
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
