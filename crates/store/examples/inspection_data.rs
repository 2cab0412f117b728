//! The data set of the total inspection's speed benchmark (issue 8): N
//! residents and N members, each member linked to its resident, written
//! straight into a migrated SQLite file (or as PostgreSQL `COPY` text), since
//! going through the CSV import would take longer than the inspection itself.
//!
//! ```text
//! cargo run --release -p onshi-store --features sqlite --example inspection_data -- sqlite PATH N
//! cargo run --release -p onshi-store --features sqlite --example inspection_data -- copy-residents N | psql …
//! cargo run --release -p onshi-store --features sqlite --example inspection_data -- copy-members N | psql …
//! ```
//!
//! The mix, deterministic from N: 70 % of members written exactly as the
//! registry, 25 % in another notation (half-width kana, arabic numerals and
//! hyphens in the address, no space in the name), 0.1 % moved within the
//! municipality (`review`), and 1 in 15,000 linked to another person
//! (`mismatch`, about the 0.007 % the 2023 inspection found). Residents are
//! person_id 1..N in order, so PostgreSQL's identity gives the same ids when
//! they are copied into an empty table.

use std::io::{BufWriter, Write};

use onshi_domain::id::{InsurerNumber, MyNumber};

const SURNAMES: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
];

const GIVEN: &[(&str, &str, u8)] = &[
    ("太郎", "タロウ", 1),
    ("一郎", "イチロウ", 1),
    ("健太", "ケンタ", 1),
    ("翔", "ショウ", 1),
    ("大輔", "ダイスケ", 1),
    ("誠", "マコト", 1),
    ("蓮", "レン", 1),
    ("悠真", "ユウマ", 1),
    ("花子", "ハナコ", 2),
    ("陽子", "ヨウコ", 2),
    ("美咲", "ミサキ", 2),
    ("結衣", "ユイ", 2),
    ("真由美", "マユミ", 2),
    ("恵子", "ケイコ", 2),
    ("さくら", "サクラ", 2),
    ("葵", "アオイ", 2),
];

const PLACES: &[&str] = &[
    "東京都八王子市元本郷町",
    "東京都世田谷区太子堂",
    "神奈川県横浜市港北区日吉",
    "大阪府大阪市北区梅田",
    "愛知県名古屋市中区栄",
    "福岡県福岡市博多区博多駅前",
    "北海道札幌市中央区北一条西",
    "宮城県仙台市青葉区一番町",
];

const KANJI_DIGITS: &[&str] = &["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// splitmix64: a deterministic stream from the row number, no state to share.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

struct Person {
    resident_code: String,
    my_number: String,
    name_kanji: String,
    name_kana: String,
    birth: String,
    sex: u8,
    address: String,
    match_key: String,
}

fn person(i: u64) -> Person {
    let r = mix(i);
    let (surname, surname_kana) = SURNAMES[(r % SURNAMES.len() as u64) as usize];
    let (given, given_kana, sex) = GIVEN[((r >> 8) % GIVEN.len() as u64) as usize];
    let birth = chrono::NaiveDate::from_ymd_opt(1930, 1, 1).expect("date") + chrono::Days::new((r >> 16) % (365 * 90));
    let place = PLACES[((r >> 40) % PLACES.len() as u64) as usize];
    let chome = 1 + (r >> 44) % 9;
    let ban = 1 + (r >> 48) % 40;
    let go = 1 + (r >> 54) % 30;
    let base: Vec<u8> = format!("{:011}", 10_000_000_000 + i).bytes().map(|b| b - b'0').collect();
    let my_number = MyNumber::from_base(&base.try_into().expect("11 digits"));
    let name_kana = format!("{surname_kana} {given_kana}");
    let birth_date = birth;
    Person {
        resident_code: format!("{:011}", 20_000_000_000 + i),
        my_number: my_number.as_str().to_owned(),
        name_kanji: format!("{surname} {given}"),
        match_key: onshi_store::inspection::match_key(&name_kana, birth_date),
        name_kana,
        birth: birth.format("%Y-%m-%d").to_string(),
        sex,
        address: format!("{place}{}丁目{ban}番{go}号", KANJI_DIGITS[chome as usize]),
    }
}

/// What the insurer holds for member `i` (linked to person `i`, or to
/// another person for a wrong link).
struct MemberRow {
    insurer: String,
    symbol: String,
    number: String,
    attrs: Person,
    person_id: u64,
    state: &'static str,
}

fn member(i: u64, n: u64, insurers: &[String]) -> MemberRow {
    let r = mix(i ^ 0x5151_5151);
    let mut attrs = person(i);
    let mut person_id = i;
    match r % 15_000 {
        0 if n > 1 => {
            // A wrong link: the member is person i, the number person j's.
            person_id = 1 + (i + n / 2) % n;
        }
        1..=15 => {
            // Moved within the municipality: review.
            attrs.address = attrs.address.replacen("丁目", "丁目1", 1);
        }
        _ if r % 100 < 25 => {
            attrs.name_kana = halfwidth(&attrs.name_kana);
            attrs.name_kanji = attrs.name_kanji.replace(' ', "");
            attrs.address = arabic_address(&attrs.address);
        }
        _ => {}
    }
    // Insurers hold contiguous blocks of members, as real ones do.
    let insurer = insurers[((i - 1) * insurers.len() as u64 / n) as usize].clone();
    MemberRow {
        insurer,
        symbol: format!("{}", 1000 + (i % 97)),
        number: format!("{}", i),
        attrs,
        person_id,
        state: "active",
    }
}

fn halfwidth(kana: &str) -> String {
    const FULL: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンー";
    const HALF: &str = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｰ";
    const VOICED: &str = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ";
    const VOICED_BASE: &str = "カキクケコサシスセソタチツテトハヒフヘホ";
    let full: Vec<char> = FULL.chars().collect();
    let half: Vec<char> = HALF.chars().collect();
    let voiced: Vec<char> = VOICED.chars().collect();
    let voiced_base: Vec<char> = VOICED_BASE.chars().collect();
    let mut out = String::new();
    for c in kana.chars() {
        if let Some(pos) = voiced.iter().position(|&v| v == c) {
            let base = voiced_base[pos];
            out.push(half[full.iter().position(|&f| f == base).expect("base")]);
            out.push('ﾞ');
        } else if let Some(pos) = full.iter().position(|&f| f == c) {
            out.push(half[pos]);
        } else {
            out.push(c);
        }
    }
    out
}

fn arabic_address(address: &str) -> String {
    let Some(at) = address.find("丁目") else { return address.to_owned() };
    let (head, tail) = address.split_at(at);
    let mut chars: Vec<char> = head.chars().collect();
    let digit = chars.pop().expect("a chome digit");
    let n = KANJI_DIGITS.iter().position(|d| d.starts_with(digit)).unwrap_or(0);
    let rest = tail.trim_start_matches("丁目").replace('番', "-").replace('号', "");
    format!("{}{}-{}", chars.into_iter().collect::<String>(), n, rest)
}

fn insurers() -> Vec<String> {
    (0..1000u32)
        .map(|k| {
            let base: Vec<u8> = format!("06{:02}{:03}", 1 + k % 47, k).bytes().map(|b| b - b'0').collect();
            InsurerNumber::from_base(&base).expect("insurer number").as_str().to_owned()
        })
        .collect()
}

fn insurer_kind(insurer: &str) -> &'static str {
    insurer.parse::<InsurerNumber>().expect("insurer number").kind().code()
}

fn write_sqlite(path: &str, n: u64) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = onshi_store::open(&format!("sqlite://{path}")).await?;
        store.migrate().await?;
        Ok::<_, onshi_store::StoreError>(())
    })?;
    let mut conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576;
         DROP INDEX residents_match_key; DROP INDEX members_person_id; DROP INDEX members_waiting;
         DROP INDEX members_link_suspended;",
    )?;
    let insurers = insurers();
    let started = std::time::Instant::now();
    let chunk = 500_000;
    let mut i = 1;
    while i <= n {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO residents (person_id, resident_code, my_number, name_kanji, name_kana, birth_date, sex,
                        address, updated_at, match_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '2026-11-22T00:00:00.000Z', ?9)",
            )?;
            for k in i..(i + chunk).min(n + 1) {
                let p = person(k);
                insert.execute(rusqlite::params![
                    k,
                    p.resident_code,
                    p.my_number,
                    p.name_kanji,
                    p.name_kana,
                    p.birth,
                    p.sex,
                    p.address,
                    p.match_key
                ])?;
            }
        }
        tx.commit()?;
        i += chunk;
        eprintln!("residents {:>10} {:>6.1}s", (i - 1).min(n), started.elapsed().as_secs_f64());
    }
    {
        let tx = conn.transaction()?;
        let mut insert = tx.prepare("INSERT INTO insurers (insurer_number, kind) VALUES (?1, ?2)")?;
        for insurer in &insurers {
            insert.execute([insurer, insurer_kind(insurer)])?;
        }
        drop(insert);
        tx.commit()?;
    }
    let mut i = 1;
    while i <= n {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO members (member_id, insurer_number, symbol, number, branch, relationship, name_kanji,
                        name_kana, birth_date, sex, address, my_number, copay_ratio, acquired_on, lost_on, person_id,
                        link_method, updated_at, link_state)
                 VALUES (?1, ?2, ?3, ?4, 0, 1, ?5, ?6, ?7, ?8, ?9, ?10, 3, '2020-04-01', NULL, ?11, 'my_number',
                         '2026-11-22T00:00:00.000Z', ?12)",
            )?;
            // Members are written in key order (insurer, symbol, number)
            // within each insurer's block, as the inspection reads them.
            let end = (i + chunk).min(n + 1);
            let mut rows: Vec<MemberRow> = (i..end).map(|k| member(k, n, &insurers)).collect();
            rows.sort_by(|a, b| (&a.insurer, &a.symbol, &a.number).cmp(&(&b.insurer, &b.symbol, &b.number)));
            for (offset, m) in rows.iter().enumerate() {
                let linked = person(m.person_id);
                insert.execute(rusqlite::params![
                    i + offset as u64,
                    m.insurer,
                    m.symbol,
                    m.number,
                    m.attrs.name_kanji,
                    m.attrs.name_kana,
                    m.attrs.birth,
                    m.attrs.sex,
                    m.attrs.address,
                    linked.my_number,
                    m.person_id,
                    m.state
                ])?;
            }
        }
        tx.commit()?;
        i += chunk;
        eprintln!("members   {:>10} {:>6.1}s", (i - 1).min(n), started.elapsed().as_secs_f64());
    }
    conn.execute_batch(
        "CREATE INDEX residents_match_key ON residents (match_key);
         CREATE INDEX members_person_id ON members (person_id) WHERE person_id IS NOT NULL;
         CREATE INDEX members_waiting ON members (my_number) WHERE person_id IS NULL AND my_number IS NOT NULL;
         CREATE INDEX members_link_suspended ON members (member_id) WHERE link_state = 'suspended';
         ANALYZE;",
    )?;
    eprintln!("indexes            {:>6.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn copy_residents(n: u64) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    for k in 1..=n {
        let p = person(k);
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            p.resident_code, p.my_number, p.name_kanji, p.name_kana, p.birth, p.sex, p.address, p.match_key
        )?;
    }
    out.flush()
}

fn copy_members(n: u64) -> std::io::Result<()> {
    let insurers = insurers();
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    for k in 1..=n {
        let m = member(k, n, &insurers);
        let linked = person(m.person_id);
        writeln!(
            out,
            "{}\t{}\t{}\t0\t1\t{}\t{}\t{}\t{}\t{}\t{}\t3\t2020-04-01\t{}\tmy_number\t{}",
            m.insurer,
            m.symbol,
            m.number,
            m.attrs.name_kanji,
            m.attrs.name_kana,
            m.attrs.birth,
            m.attrs.sex,
            m.attrs.address,
            linked.my_number,
            m.person_id,
            m.state
        )?;
    }
    out.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: inspection_data sqlite PATH N | copy-residents N | copy-members N | insurers";
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["sqlite", path, n] => write_sqlite(path, n.parse()?),
        ["copy-residents", n] => Ok(copy_residents(n.parse()?)?),
        ["copy-members", n] => Ok(copy_members(n.parse()?)?),
        ["insurers"] => {
            for insurer in insurers() {
                println!("{insurer}\t{}", insurer_kind(&insurer));
            }
            Ok(())
        }
        _ => Err(usage.into()),
    }
}
