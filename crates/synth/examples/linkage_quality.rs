//! Linkage quality on an inspection test set with truth (issue 8, 総点検).
//!
//! ```text
//! cargo run --release -p onshi-synth --example linkage_quality -- --members N --seed S --out-dir DIR
//! ```
//!
//! Generates `onshi_synth::inspection` data, runs the domain engine over it
//! (`judge_link` on every linked member, `find` on every unlinked one among
//! the residents sharing its normalised カナ氏名 and 生年月日), and prints a
//! Markdown table per label with precision and recall of `mismatch`, false
//! alarms on harmless noise and the share of unlinked members found.
//!
//! Into DIR it writes what the Splink comparison (`scripts/splink_compare.py`)
//! reads: `registry.csv` (the residents), `unlinked.csv` (the unlinked
//! members with the id of the resident they truly are, empty when none),
//! and `onshi_find.json`: onshi's precision, recall, F1 and wall time on the
//! same task, timed from reading those two files to the last verdict, so
//! that both tools are timed on the same input.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

use onshi_domain::linkage;
use onshi_domain::person::{FiveAttributes, Sex};
use onshi_synth::inspection::{
    self, BlockingIndex, Change, Evaluation, FindOutcome, InspectionConfig, InspectionSet, Label, judge_find,
};

struct Args {
    members: usize,
    seed: u64,
    out_dir: PathBuf,
}

fn args() -> Result<Args, String> {
    let mut parsed = Args { members: 20_000, seed: 1, out_dir: PathBuf::from("target/linkage-quality") };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--members" => parsed.members = value()?.replace('_', "").parse().map_err(|e| format!("--members: {e}"))?,
            "--seed" => parsed.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out-dir" => parsed.out_dir = PathBuf::from(value()?),
            other => return Err(format!("unknown argument {other}; use --members N --seed S --out-dir DIR")),
        }
    }
    Ok(parsed)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    std::fs::create_dir_all(&args.out_dir)?;
    let config = InspectionConfig { members: args.members, seed: args.seed, ..InspectionConfig::default() };

    let started = Instant::now();
    let set = inspection::generate(&config);
    let generate_seconds = started.elapsed().as_secs_f64();
    println!(
        "inspection set: {} members, {} residents, seed {} (generated in {:.1} s)\n",
        set.members.len(),
        set.residents.len(),
        args.seed,
        generate_seconds
    );

    let evaluation = inspection::evaluate(&set);
    print_verdicts(&evaluation);
    print_finds(&evaluation);
    print_harmless_reviews(&set, &evaluation);

    write_csvs(&set, &args.out_dir)?;
    let csv_find = find_from_csv(&args.out_dir)?;
    println!(
        "\nfinding unlinked members from the CSV files (read, index, find): {} members against {} residents in {:.3} s; \
         precision {:.4}, recall {:.4}, F1 {:.4}",
        csv_find.members,
        csv_find.residents,
        csv_find.seconds,
        csv_find.precision(),
        csv_find.recall(),
        csv_find.f1()
    );
    let json = args.out_dir.join("onshi_find.json");
    std::fs::write(&json, csv_find.json(args.members, args.seed))?;
    let dir = args.out_dir.display();
    println!("wrote {dir}/registry.csv, {dir}/unlinked.csv and {}", json.display());
    Ok(())
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 { f64::NAN } else { numerator as f64 / denominator as f64 }
}

fn print_verdicts(evaluation: &Evaluation) {
    println!("| label | members | match | review | mismatch |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for label in Label::ALL.into_iter().filter(|label| !label.is_unlinked()) {
        let count = |verdict| evaluation.verdict_count(label, verdict);
        println!(
            "| {} | {} | {} | {} | {} |",
            label.code(),
            evaluation.label_count(label),
            count("match"),
            count("review"),
            count("mismatch")
        );
    }
    let mut changes: BTreeMap<(Change, &str), usize> = BTreeMap::new();
    changes.extend(evaluation.changes.iter().map(|(k, v)| (*k, *v)));
    for change in [Change::Moved, Change::Married, Change::MarriedAndMoved] {
        let count = |verdict| changes.get(&(change, verdict)).copied().unwrap_or(0);
        println!(
            "| true_change: {} | {} | {} | {} | {} |",
            change.code(),
            count("match") + count("review") + count("mismatch"),
            count("match"),
            count("review"),
            count("mismatch")
        );
    }
    let (true_positive, predicted, actual) = evaluation.mismatch_counts();
    let harmless = evaluation.label_count(Label::HarmlessNoise);
    let harmless_review = evaluation.verdict_count(Label::HarmlessNoise, "review");
    let wrong_match: usize = Label::ALL
        .into_iter()
        .filter(|label| label.is_wrong())
        .map(|label| evaluation.verdict_count(label, "match"))
        .sum();
    println!();
    println!(
        "mismatch: precision {:.4} ({true_positive} of {predicted} mismatch verdicts are wrong links), recall {:.4} ({true_positive} of {actual} wrong links)",
        ratio(true_positive, predicted),
        ratio(true_positive, actual)
    );
    println!("wrong links called match: {wrong_match}");
    println!("harmless noise called mismatch: {}", evaluation.verdict_count(Label::HarmlessNoise, "mismatch"));
    println!(
        "false alarms (review on harmless_noise): {harmless_review} of {harmless} = {:.4} %",
        100.0 * ratio(harmless_review, harmless)
    );
    let linked: usize = evaluation.verdicts.values().sum();
    println!(
        "judged {linked} linked members in {:.3} s ({:.0} members/s)",
        evaluation.judge_seconds,
        linked as f64 / evaluation.judge_seconds
    );
}

fn print_finds(evaluation: &Evaluation) {
    println!();
    print!("| unlinked label | members |");
    for outcome in FindOutcome::ALL {
        print!(" {} |", outcome.code());
    }
    println!("\n| --- | ---: | ---: | ---: | ---: | ---: |");
    for label in Label::ALL.into_iter().filter(|label| label.is_unlinked()) {
        print!("| {} | {} |", label.code(), evaluation.label_count(label));
        for outcome in FindOutcome::ALL {
            print!(" {} |", evaluation.finds.get(&(label, outcome)).copied().unwrap_or(0));
        }
        println!();
    }
    let unlinked: usize = evaluation.finds.values().sum();
    let correct = evaluation.find_count(FindOutcome::Correct);
    let findable = evaluation.findable();
    println!();
    println!(
        "unlinked members found: {correct} of {findable} in the registry = {:.2} %; wrong person found: {}",
        100.0 * ratio(correct, findable),
        evaluation.find_count(FindOutcome::WrongPerson)
    );
    println!(
        "indexed the registry in {:.3} s, searched {unlinked} unlinked members in {:.3} s ({:.0} members/s)",
        evaluation.index_seconds,
        evaluation.find_seconds,
        unlinked as f64 / evaluation.find_seconds
    );
}

fn print_harmless_reviews(set: &InspectionSet, evaluation: &Evaluation) {
    if evaluation.harmless_reviews.is_empty() {
        return;
    }
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for (_, why) in &evaluation.harmless_reviews {
        *reasons.entry(why.join(",")).or_default() += 1;
    }
    println!("\nharmless_noise sent to review, by reason: {reasons:?}");
    for (id, why) in evaluation.harmless_reviews.iter().take(5) {
        let member = &set.members[*id as usize];
        let resident = &set.residents[member.linked.expect("linked") as usize];
        let noise: Vec<&str> = member.noise.iter().map(|n| n.code()).collect();
        println!(
            "  {why:?} {noise:?}: member {:?} / {:?}, resident {:?} / {:?}",
            member.attributes.name_kanji,
            member.attributes.address,
            resident.attributes.name_kanji,
            resident.attributes.address
        );
    }
}

fn write_csvs(set: &InspectionSet, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut registry = csv::Writer::from_writer(BufWriter::new(File::create(dir.join("registry.csv"))?));
    registry.write_record(["unique_id", "name_kanji", "name_kana", "birth_date", "sex", "address"])?;
    for resident in &set.residents {
        let a = &resident.attributes;
        registry.write_record([
            &resident.id.to_string(),
            &a.name_kanji,
            &a.name_kana,
            &a.birth_date.format("%Y-%m-%d").to_string(),
            &a.sex.code().to_string(),
            &a.address,
        ])?;
    }
    registry.flush()?;
    let mut unlinked = csv::Writer::from_writer(BufWriter::new(File::create(dir.join("unlinked.csv"))?));
    unlinked.write_record([
        "unique_id",
        "name_kanji",
        "name_kana",
        "birth_date",
        "birth_date_written",
        "sex",
        "address",
        "label",
        "true_resident_id",
    ])?;
    for member in set.members.iter().filter(|m| m.label.is_unlinked()) {
        let a = &member.attributes;
        unlinked.write_record([
            &member.id.to_string(),
            &a.name_kanji,
            &a.name_kana,
            &a.birth_date.format("%Y-%m-%d").to_string(),
            &member.birth_date_written,
            &a.sex.code().to_string(),
            &a.address,
            member.label.code(),
            &member.truth.map(|id| id.to_string()).unwrap_or_default(),
        ])?;
    }
    unlinked.flush()?;
    Ok(())
}

struct CsvFind {
    residents: usize,
    members: usize,
    /// Unlinked members whose person is in the registry.
    positives: usize,
    correct: usize,
    wrong: usize,
    seconds: f64,
}

impl CsvFind {
    fn precision(&self) -> f64 {
        ratio(self.correct, self.correct + self.wrong)
    }

    fn recall(&self) -> f64 {
        ratio(self.correct, self.positives)
    }

    fn f1(&self) -> f64 {
        2.0 * self.precision() * self.recall() / (self.precision() + self.recall())
    }

    fn json(&self, members: usize, seed: u64) -> String {
        format!(
            "{{\"tool\": \"onshi\", \"members\": {members}, \"seed\": {seed}, \"residents\": {}, \"unlinked\": {}, \
             \"positives\": {}, \"found_correct\": {}, \"found_wrong\": {}, \"precision\": {:.6}, \"recall\": {:.6}, \
             \"f1\": {:.6}, \"seconds\": {:.6}}}\n",
            self.residents,
            self.members,
            self.positives,
            self.correct,
            self.wrong,
            self.precision(),
            self.recall(),
            self.f1(),
            self.seconds
        )
    }
}

fn attributes(row: &csv::StringRecord, headers: &HashMap<String, usize>, date_column: &str) -> FiveAttributes {
    let field = |name: &str| &row[headers[name]];
    FiveAttributes {
        name_kanji: field("name_kanji").to_owned(),
        name_kana: field("name_kana").to_owned(),
        birth_date: onshi_domain::date::parse_date(field(date_column)).expect("a date the generator wrote"),
        sex: field("sex").parse::<Sex>().expect("a sex the generator wrote"),
        address: field("address").to_owned(),
    }
}

fn headers(reader: &mut csv::Reader<File>) -> Result<HashMap<String, usize>, csv::Error> {
    Ok(reader.headers()?.iter().enumerate().map(|(idx, name)| (name.to_owned(), idx)).collect())
}

/// onshi on the Splink task: read both files, index the registry, find each
/// unlinked member, score against `true_resident_id`.
fn find_from_csv(dir: &Path) -> Result<CsvFind, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut reader = csv::Reader::from_path(dir.join("registry.csv"))?;
    let columns = headers(&mut reader)?;
    let mut residents: Vec<(u32, FiveAttributes)> = Vec::new();
    for row in reader.records() {
        let row = row?;
        residents.push((row[columns["unique_id"]].parse()?, attributes(&row, &columns, "birth_date")));
    }
    let index = BlockingIndex::new(residents.iter().map(|(id, a)| (*id, a)));
    let by_id: HashMap<u32, &FiveAttributes> = residents.iter().map(|(id, a)| (*id, a)).collect();
    let mut reader = csv::Reader::from_path(dir.join("unlinked.csv"))?;
    let columns = headers(&mut reader)?;
    let mut result =
        CsvFind { residents: residents.len(), members: 0, positives: 0, correct: 0, wrong: 0, seconds: 0.0 };
    for row in reader.records() {
        let row = row?;
        let member = attributes(&row, &columns, "birth_date_written");
        let truth = row[columns["true_resident_id"]].parse::<u32>().ok();
        let candidates = index.candidates(&member).iter().map(|id| (*id, by_id[id]));
        let outcome = judge_find(linkage::find(&member, candidates), truth);
        result.members += 1;
        result.positives += usize::from(truth.is_some());
        match outcome {
            FindOutcome::Correct => result.correct += 1,
            FindOutcome::WrongPerson => result.wrong += 1,
            FindOutcome::Ambiguous | FindOutcome::NotFound => {}
        }
    }
    result.seconds = started.elapsed().as_secs_f64();
    Ok(result)
}
