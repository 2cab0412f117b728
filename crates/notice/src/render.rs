//! The two forms on A4 portrait. Both share the mailing head (the addressee
//! where a window envelope shows it, the insurer at the right, fold marks for
//! a 長形3号 envelope), a title, a bordered table of the items (label column
//! shaded, as on the printed forms) and notes. The 資格確認書 ends with its
//! 注意事項; the 資格情報のお知らせ with how to be seen with the card and a
//! card-sized part to cut out and carry.

use onshi_domain::Date;
use onshi_domain::person::Relationship;

use crate::certificate::EligibilityCertificate;
use crate::items::{Addressee, Holder, Insurer};
use crate::layout::{Align, Area, Canvas, PAGE_HEIGHT, PAGE_WIDTH};
use crate::notice::EligibilityNotice;

const MARGIN: f32 = 20.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const LABEL_WIDTH: f32 = 44.0;
const LABEL_GREY: u8 = 230;
const OUTER_LINE: f32 = 1.0;
const INNER_LINE: f32 = 0.4;
const TEXT_SIZE: f32 = 10.5;
const NOTE_SIZE: f32 = 8.5;

/// One row of the items table.
struct Row {
    label: &'static str,
    value: String,
    height: f32,
    size: f32,
}

impl Row {
    fn new(label: &'static str, value: impl Into<String>) -> Row {
        Row { label, value: value.into(), height: 8.0, size: TEXT_SIZE }
    }

    fn sized(mut self, height: f32, size: f32) -> Row {
        self.height = height;
        self.size = size;
        self
    }
}

pub(crate) fn certificate(canvas: &mut Canvas<'_, '_>, certificate: &EligibilityCertificate) {
    let holder = &certificate.holder;
    head(canvas, &certificate.addressee, &certificate.insurer, &certificate.serial, certificate.issued_on);
    let mut y = title(canvas, "資格確認書", 78.0);
    let lead = "医療機関・薬局を受診するときは、この資格確認書を窓口で提示してください。\
                マイナンバーカードを健康保険証として利用登録すると、マイナ保険証でも受診できます。";
    y = canvas.paragraph(MARGIN, y, CONTENT_WIDTH, 9.0, lead, 0.0) + 3.0;

    let mut rows = holder_rows(holder);
    if let Some(category) = certificate.limit_category {
        rows.push(Row::new("限度額適用区分", category.label_ja()));
    }
    rows.push(Row::new("交付年月日", wareki(certificate.issued_on)));
    rows.push(Row::new("有効期限", format!("{}まで", wareki(certificate.expires_on))).sized(9.0, 12.5));
    rows.extend(insurer_rows(holder, &certificate.insurer));
    y = table(canvas, y, &rows) + 5.0;

    let notes = [
        "医療機関・薬局で受診するときは、必ずこの資格確認書を窓口で提示してください。",
        "有効期限を過ぎたとき、または被保険者の資格がなくなったときは、この資格確認書は使用できません。資格がなくなったときは、速やかに保険者に返してください。",
        "記載事項に変更があったときは、速やかに保険者に届け出てください。",
        "不正にこの資格確認書を使用した者は、刑法により詐欺罪として懲役の処分を受けることがあります。",
        "マイナンバーカードを健康保険証として利用登録した場合も、この資格確認書は有効期限まで使用できます。",
    ];
    notes_box(canvas, y, "注意事項", &notes);
}

pub(crate) fn notice(canvas: &mut Canvas<'_, '_>, notice: &EligibilityNotice) {
    let holder = &notice.holder;
    head(canvas, &notice.addressee, &notice.insurer, &notice.serial, notice.issued_on);
    let mut y = title(canvas, "資格情報のお知らせ", 78.0);
    let lead = "あなたのマイナンバーカードは健康保険証として利用登録（マイナ保険証）されています。\
                加入している医療保険の資格情報をお知らせします。";
    y = canvas.paragraph(MARGIN, y, CONTENT_WIDTH, 9.0, lead, 0.0) + 3.0;

    let mut rows: Vec<Row> = holder_rows(holder).into_iter().map(compact).collect();
    rows.push(compact(Row::new("交付年月日", wareki(notice.issued_on))));
    // The insurer's address and telephone are in the head; the table keeps
    // to what identifies the coverage, so the card-sized part fits the page.
    rows.push(compact(Row::new("保険者番号", holder.key.insurer_number.as_str())));
    rows.push(compact(Row::new("保険者名称", notice.insurer.name.clone())));
    y = table(canvas, y, &rows) + 4.0;

    let notes = [
        "医療機関・薬局では、マイナ保険証を受付のカードリーダーに置いて受診してください。",
        "このお知らせだけでは受診できません。",
        "機器の不具合などでマイナ保険証による資格確認ができないときは、マイナ保険証とあわせてこのお知らせを窓口で提示してください。",
        "マイナ保険証の利用登録を解除したときは、保険者から資格確認書が交付されます。",
    ];
    y = notes_box(canvas, y, "受診のときは", &notes) + 5.0;
    cut_out_card(canvas, y, notice);
}

fn compact(row: Row) -> Row {
    let (height, size) = (row.height * 0.9, row.size.min(12.0));
    row.sized(height, size)
}

/// The rows about the person, in the order of the printed 資格確認書.
fn holder_rows(holder: &Holder) -> Vec<Row> {
    let relationship = match holder.relationship {
        Relationship::Insured => "本人（被保険者）",
        Relationship::Dependent => "家族（被扶養者）",
    };
    let mut rows = vec![
        Row::new("本人・家族", relationship),
        Row::new("記号・番号（枝番）", member_number(holder)),
        Row::new("フリガナ", holder.name_kana.clone()).sized(6.5, 8.5),
        Row::new("氏名", holder.name.clone()).sized(10.0, 14.0),
        Row::new("生年月日", birth_date(holder.birth_date)),
        Row::new("性別", holder.sex.label_ja()),
    ];
    if let Some(address) = &holder.address {
        rows.push(Row::new("住所", address.clone()).sized(12.0, TEXT_SIZE));
    }
    rows.push(Row::new("資格取得年月日", wareki(holder.acquired_on)));
    rows.push(Row::new("一部負担金の割合", format!("{}割", holder.copay_ratio.tenths())));
    rows
}

fn insurer_rows(holder: &Holder, insurer: &Insurer) -> Vec<Row> {
    let mut rows =
        vec![Row::new("保険者番号", holder.key.insurer_number.as_str()), Row::new("保険者名称", insurer.name.clone())];
    if let Some(address) = &insurer.address {
        rows.push(Row::new("保険者所在地", address.clone()).sized(10.0, 9.5));
    }
    if let Some(phone) = &insurer.phone {
        rows.push(Row::new("電話番号", phone.clone()));
    }
    rows
}

/// `記号 12-3　番号 4567　（枝番 01）`; a member without 記号 prints none.
fn member_number(holder: &Holder) -> String {
    let key = &holder.key;
    let symbol = if key.symbol.is_empty() { String::new() } else { format!("記号 {}　", key.symbol.as_str()) };
    format!("{symbol}番号 {}　（枝番 {}）", key.number.as_str(), key.branch)
}

/// `昭和60年4月1日（1985年4月1日）`.
pub(crate) fn birth_date(date: Date) -> String {
    use chrono::Datelike;
    format!("{}（{}年{}月{}日）", wareki(date), date.year(), date.month(), date.day())
}

/// `令和7年12月1日`. Every date was checked to have a 和暦 form.
pub(crate) fn wareki(date: Date) -> String {
    onshi_domain::wareki::format(date).expect("checked before rendering")
}

/// The mailing head: addressee in the window of a 長形3号 envelope (A4 folded
/// in three: the window shows about 23–113 mm from the left, 12–57 mm from the
/// top), the insurer at the right, and fold marks at the thirds.
fn head(canvas: &mut Canvas<'_, '_>, addressee: &Addressee, insurer: &Insurer, serial: &str, issued_on: Date) {
    let window = Area::new(25.0, 16.0, 86.0, 38.0);
    if let Some(postal_code) = addressee.postal_code {
        canvas.text(window.x, window.y + 4.0, 11.0, &postal_code.to_string());
    }
    canvas.fit(Area::new(window.x, window.y + 7.0, window.width, 17.0), 11.0, &addressee.address, Align::Left);
    canvas.fit(
        Area::new(window.x + 4.0, window.y + 26.0, window.width - 4.0, 10.0),
        15.0,
        &format!("{}　様", addressee.name),
        Align::Left,
    );

    let right = Area::new(122.0, 16.0, PAGE_WIDTH - MARGIN - 122.0, 0.0);
    let mut y = right.y;
    canvas.fit(Area::new(right.x, y, right.width, 7.0), 11.0, &insurer.name, Align::Left);
    y += 7.5;
    if let Some(address) = &insurer.address {
        y = canvas.paragraph(right.x, y, right.width, 8.0, address, 0.0);
    }
    if let Some(phone) = &insurer.phone {
        y = canvas.paragraph(right.x, y, right.width, 8.0, &format!("電話 {phone}"), 0.0);
    }
    y += 2.0;
    y = canvas.paragraph(right.x, y, right.width, 8.0, &format!("交付番号 {serial}"), 0.0);
    canvas.paragraph(right.x, y, right.width, 8.0, &format!("交付年月日 {}", wareki(issued_on)), 0.0);

    for fold in [PAGE_HEIGHT / 3.0, PAGE_HEIGHT * 2.0 / 3.0] {
        canvas.line((4.0, fold), (9.0, fold), 0.5, false);
    }
}

/// The title centred at `middle` mm; returns the top of what follows.
fn title(canvas: &mut Canvas<'_, '_>, text: &str, middle: f32) -> f32 {
    let size = 24.0;
    canvas.text_in(MARGIN, CONTENT_WIDTH, Canvas::baseline_for_middle(middle, size), size, text, Align::Centre);
    let underline = middle + 7.0;
    let half = canvas.width(text, size) / 2.0 + 6.0;
    canvas.line((PAGE_WIDTH / 2.0 - half, underline), (PAGE_WIDTH / 2.0 + half, underline), 0.8, false);
    underline + 5.0
}

/// The bordered table of items from `top`; returns its bottom.
fn table(canvas: &mut Canvas<'_, '_>, top: f32, rows: &[Row]) -> f32 {
    let mut y = top;
    for row in rows {
        // A row grows when its value needs more lines than it has, even at the
        // smallest size (a 200-character address).
        let value_width = CONTENT_WIDTH - LABEL_WIDTH - 6.0;
        let height = row.height.max(canvas.min_height(&row.value, value_width) + 1.0);
        let label = Area::new(MARGIN, y, LABEL_WIDTH, height);
        let value = Area::new(MARGIN + LABEL_WIDTH, y, CONTENT_WIDTH - LABEL_WIDTH, height);
        canvas.rect(label, INNER_LINE, Some(LABEL_GREY));
        canvas.rect(value, INNER_LINE, None);
        canvas.fit(label.inset(2.5, 0.5), 9.0, row.label, Align::Left);
        canvas.fit(value.inset(3.0, 0.5), row.size, &row.value, Align::Left);
        y += height;
    }
    canvas.rect(Area::new(MARGIN, top, CONTENT_WIDTH, y - top), OUTER_LINE, None);
    y
}

/// A box headed `heading` with numbered notes; returns its bottom.
fn notes_box(canvas: &mut Canvas<'_, '_>, top: f32, heading: &str, notes: &[&str]) -> f32 {
    let padding = 3.0;
    let inner_width = CONTENT_WIDTH - 2.0 * padding;
    let numbered: Vec<String> = notes.iter().enumerate().map(|(idx, note)| format!("{}．{note}", idx + 1)).collect();
    let indent = canvas.width("1．", NOTE_SIZE);
    let heading_height = 6.0;
    let body: f32 =
        numbered.iter().map(|note| canvas.paragraph_height(note, NOTE_SIZE, inner_width, indent) + 0.6).sum();
    let height = heading_height + body + 2.0 * padding;
    canvas.rect(Area::new(MARGIN, top, CONTENT_WIDTH, height), INNER_LINE, None);
    canvas.text(MARGIN + padding, top + padding + 4.0, 10.0, &format!("【{heading}】"));
    let mut y = top + padding + heading_height;
    for note in &numbered {
        y = canvas.paragraph(MARGIN + padding, y, inner_width, NOTE_SIZE, note, indent) + 0.6;
    }
    top + height
}

/// A card-sized (85.6 × 54 mm, ID-1) part of the お知らせ, framed by a cut
/// line, with what a clerk needs beside the card.
fn cut_out_card(canvas: &mut Canvas<'_, '_>, top: f32, notice: &EligibilityNotice) {
    let holder = &notice.holder;
    let card = Area::new(MARGIN, top, 85.6, 54.0);
    for (from, to) in [
        ((card.x, card.y), (card.x + card.width, card.y)),
        ((card.x + card.width, card.y), (card.x + card.width, card.y + card.height)),
        ((card.x + card.width, card.y + card.height), (card.x, card.y + card.height)),
        ((card.x, card.y + card.height), (card.x, card.y)),
    ] {
        canvas.line(from, to, 0.6, true);
    }
    let inner = card.inset(4.0, 3.0);
    canvas.fit(Area::new(inner.x, inner.y, inner.width, 6.0), 10.0, "資格情報のお知らせ（携帯用）", Align::Centre);
    let lines = [
        ("氏名", holder.name.clone()),
        ("生年月日", wareki(holder.birth_date)),
        ("記号・番号", member_number(holder)),
        ("保険者番号", holder.key.insurer_number.as_str().to_owned()),
        ("保険者名称", notice.insurer.name.clone()),
        ("負担割合", format!("{}割", holder.copay_ratio.tenths())),
    ];
    let label_width = 16.0;
    let mut y = inner.y + 7.0;
    for (label, value) in lines {
        canvas.fit(Area::new(inner.x, y, label_width, 5.0), 7.5, label, Align::Left);
        canvas.fit_line(Area::new(inner.x + label_width, y, inner.width - label_width, 5.0), 8.0, &value);
        y += 5.4;
    }
    canvas.fit(
        Area::new(inner.x, inner.y + inner.height - 4.5, inner.width, 4.5),
        6.5,
        "マイナ保険証とあわせて提示してください",
        Align::Left,
    );
    canvas.text(card.x + card.width + 3.0, card.y + 4.0, 7.0, "切り取って保管できます");
}
