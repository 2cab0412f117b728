"""Splink against onshi on one task: find the resident of each unlinked member.

Reads DIR/registry.csv and DIR/unlinked.csv, written by
`cargo run --release -p onshi-synth --example linkage_quality -- --out-dir DIR`,
links them with Splink (DuckDB backend), keeps for each member its best
resident at match_probability >= each of --thresholds, scores that against the
`true_resident_id` column, and prints precision, recall, F1 and wall time
beside onshi's figures from DIR/onshi_find.json (written by the same run of
the example on the same files).

Run it through scripts/splink_compare.sh, which makes the virtual
environment. The settings are what a careful user would choose:

- Cleaning, in Python before Splink sees the data: NFKC (full-width digits
  and letters, half-width kana), hiragana to katakana, small kana to large
  (the 全銀協 convention of insurer systems), spaces and middle dots removed
  in names; in addresses NFKC, spaces removed, the prefecture removed, 丁目
  numerals in kanji made arabic, and 丁目/番地/番/号/の between numbers
  written as hyphens. 旧字体 are left alone: that needs a variant table.
- Blocking for predictions: the same 生年月日, or the same cleaned カナ氏名.
- Comparisons: カナ氏名 by Jaro-Winkler (exact with term-frequency
  adjustment, >= 0.92, >= 0.80); 漢字氏名 by Levenshtein (<= 1, <= 2);
  生年月日 by Splink's DateOfBirthComparison (exact, one edit, 1 month,
  1 year, 10 years); 性別 exact; 住所 in levels: the same cleaned address,
  the same 町域 (the text before the first number), the same municipality,
  else (Jaro-Winkler on addresses was tried first: in one city every
  address shares a long prefix, so it said little).
- Training: the prior from a deterministic rule (same カナ氏名, 生年月日 and
  漢字氏名, assumed recall 0.8); u by random sampling of 10^7 pairs (seed 1);
  m by expectation maximisation twice, blocked on 生年月日 and on 漢字氏名
  with 住所. (Blocking the second session on カナ氏名 alone was tried first:
  same-reading strangers then taught EM that a birth date ten years off is
  common among matches.) The data has no typo in a birth date, so the m
  values of the near-miss date levels stay untrained and Splink warns.
- Decision: the best-scoring resident of each member, if its match
  probability is at least the threshold; 0.9 is the headline, 0.99 and
  0.999 are printed too (from the same predictions and the same time).

The wall time runs from reading the CSV files to the last decision, as
onshi's does.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

SMALL = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
NAME_SEPARATORS = re.compile(r"[\s・･·\u200b-\u200d\u2060\ufeff]+")
PREFECTURE = re.compile(r"^(東京都|北海道|京都府|大阪府|.{2,3}?県)")
KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def hiragana_to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)


def clean_kana(name: str) -> str:
    name = unicodedata.normalize("NFKC", name)
    name = hiragana_to_katakana(name).translate(SMALL)
    return NAME_SEPARATORS.sub("", name)


def clean_kanji(name: str) -> str:
    return NAME_SEPARATORS.sub("", unicodedata.normalize("NFKC", name))


def kanji_number(text: str) -> str:
    """一 to 九十九, additive or positional, as arabic digits."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return str((KANJI_DIGITS[tens] if tens else 1) * 10 + (KANJI_DIGITS[ones] if ones else 0))
    return "".join(str(KANJI_DIGITS[c]) for c in text)


def clean_address(address: str) -> str:
    address = unicodedata.normalize("NFKC", address)
    address = re.sub(r"\s+", "", address)
    address = PREFECTURE.sub("", address)
    address = re.sub(r"([〇一二三四五六七八九十]+)丁目", lambda m: kanji_number(m.group(1)) + "丁目", address)
    address = re.sub(r"(\d+)(?:丁目|番地の?|番|の)(?=\d)", r"\1-", address)
    address = re.sub(r"(\d+)(?:番地|号)(?!室)", r"\1", address)
    return address


def read(path: Path, member_side: bool) -> dict[str, list]:
    columns: dict[str, list] = {
        "unique_id": [],
        "name_kanji": [],
        "name_kana": [],
        "birth_date": [],
        "sex": [],
        "address": [],
        "address_town": [],
        "address_municipality": [],
    }
    truth: dict[int, int | None] = {}
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            uid = int(row["unique_id"])
            columns["unique_id"].append(uid)
            columns["name_kanji"].append(clean_kanji(row["name_kanji"]))
            columns["name_kana"].append(clean_kana(row["name_kana"]))
            columns["birth_date"].append(row["birth_date"])
            columns["sex"].append(row["sex"])
            address = clean_address(row["address"])
            columns["address"].append(address)
            columns["address_town"].append(re.split(r"\d", address, maxsplit=1)[0])
            municipality = re.match(r"^(.+?郡)?.+?[市区町村]", address)
            columns["address_municipality"].append(municipality.group(0) if municipality else address)
            if member_side:
                truth[uid] = int(row["true_resident_id"]) if row["true_resident_id"] else None
    return columns, truth


def run_splink(out_dir: Path, thresholds: list[float]) -> list[dict]:
    import splink
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    phases = {}
    started = time.perf_counter()
    registry, _ = read(out_dir / "registry.csv", member_side=False)
    members, truth = read(out_dir / "unlinked.csv", member_side=True)
    phases["read_and_clean"] = time.perf_counter() - started

    db_api = DuckDBAPI()
    registry_sdf = db_api.register(registry, dataset_display_name="registry")
    members_sdf = db_api.register(members, dataset_display_name="unlinked")
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[block_on("birth_date"), block_on("name_kana")],
        comparisons=[
            cl.JaroWinklerAtThresholds("name_kana", [0.92, 0.80]).configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("name_kanji", [1, 2]),
            cl.DateOfBirthComparison("birth_date", input_is_string=True, datetime_format="%Y-%m-%d"),
            cl.ExactMatch("sex"),
            cl.CustomComparison(
                output_column_name="address",
                comparison_levels=[
                    cll.NullLevel("address"),
                    cll.ExactMatchLevel("address"),
                    cll.ExactMatchLevel("address_town"),
                    cll.ExactMatchLevel("address_municipality"),
                    cll.ElseLevel(),
                ],
            ),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([registry_sdf, members_sdf], settings, log_level="WARNING")
    mark = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name_kana", "birth_date", "name_kanji")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name_kanji", "address"))
    phases["train"] = time.perf_counter() - mark

    mark = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=min(thresholds))
    best = predictions.query_sql(
        f"""
        select member_id, resident_id, match_probability from (
            select member_id, resident_id, match_probability,
                   row_number() over (partition by member_id order by match_probability desc, resident_id)
                       as rank
            from (
                select
                    case when source_dataset_l = 'unlinked' then unique_id_l else unique_id_r end as member_id,
                    case when source_dataset_l = 'unlinked' then unique_id_r else unique_id_l end as resident_id,
                    match_probability
                from {{this}}
            )
        ) where rank = 1 and match_probability >= {min(thresholds)}
        """
    ).as_record_list()
    phases["predict_and_decide"] = time.perf_counter() - mark
    seconds = time.perf_counter() - started

    positives = sum(1 for resident in truth.values() if resident is not None)
    results = []
    for threshold in thresholds:
        chosen = {int(row["member_id"]): int(row["resident_id"]) for row in best if row["match_probability"] >= threshold}
        correct = sum(1 for member, resident in chosen.items() if truth.get(member) == resident)
        wrong_absent = sum(1 for member in chosen if truth.get(member) is None)
        results.append(
            score(
                tool=f"Splink {splink.__version__} (DuckDB {duckdb_version()})",
                members=len(truth),
                positives=positives,
                correct=correct,
                wrong=len(chosen) - correct,
                seconds=seconds,
                extra={"phases": phases, "found_wrong_absent": wrong_absent, "threshold": threshold},
            )
        )
    return results


def duckdb_version() -> str:
    import duckdb

    return duckdb.__version__


def score(tool, members, positives, correct, wrong, seconds, extra=None) -> dict:
    precision = correct / (correct + wrong) if correct + wrong else float("nan")
    recall = correct / positives if positives else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    result = {
        "tool": tool,
        "unlinked": members,
        "positives": positives,
        "found_correct": correct,
        "found_wrong": wrong,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "seconds": seconds,
    }
    result.update(extra or {})
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="the --out-dir of the linkage_quality example")
    parser.add_argument(
        "--thresholds",
        type=lambda text: [float(t) for t in text.split(",")],
        default=[0.9, 0.99, 0.999],
        help="least match probabilities to accept, comma-separated; the first is the headline (default 0.9,0.99,0.999)",
    )
    args = parser.parse_args()

    onshi = json.loads((args.dir / "onshi_find.json").read_text())
    splink_results = run_splink(args.dir, args.thresholds)
    (args.dir / "splink_find.json").write_text(json.dumps(splink_results, indent=2) + "\n")

    print(
        f"finding {onshi['unlinked']} unlinked members ({onshi['positives']} in the registry) "
        f"among {onshi['residents']} residents"
    )
    print()
    print("| tool | found correct | found wrong person | precision | recall | F1 | wall time (s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    rows = [dict(onshi, tool="onshi (all 5 agree after folding, exactly one candidate)")]
    rows += [dict(r, tool=f"{r['tool']}, best match_probability >= {r['threshold']}") for r in splink_results]
    for row in rows:
        print(
            f"| {row['tool']} | {row['found_correct']} | {row['found_wrong']} | {row['precision']:.4f} "
            f"| {row['recall']:.4f} | {row['f1']:.4f} | {row['seconds']:.2f} |"
        )
    print()
    phases = splink_results[0]["phases"]
    print(f"Splink phases (s): {json.dumps({k: round(v, 2) for k, v in phases.items()})}")
    for r in splink_results:
        print(
            f"Splink wrong finds at >= {r['threshold']}: {r['found_wrong']}, "
            f"of which for members not in the registry: {r['found_wrong_absent']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
