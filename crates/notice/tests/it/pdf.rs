//! Both notices rendered and read back with poppler.

use std::path::PathBuf;

use onshi_notice::render_pdf;

use crate::fixture::{certificate, font, notice, poppler};

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write to a temporary directory");
    path
}

/// pdftotext's reading of the page in drawing order (`-raw`), with the spaces of its layout removed so
/// that assertions do not depend on column positions.
fn text_of(pdf: &std::path::Path) -> String {
    let args = ["-raw".as_ref(), "-enc".as_ref(), "UTF-8".as_ref(), pdf.as_os_str(), "-".as_ref()];
    poppler("pdftotext", &args).replace([' ', '\u{3000}', '\n'], "")
}

#[test]
fn certificate_text_is_japanese_and_complete() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let pdf = write(&dir, "certificate.pdf", &render_pdf(&certificate(), font()).expect("renders"));
    let text = text_of(&pdf);
    for expected in [
        "資格確認書",
        "髙橋花子様",
        "タカハシハナコ",
        "昭和60年4月1日（1985年4月1日）",
        "みなと健康保険組合",
        "06139992",
        "記号1234番号567（枝番01）",
        "本人（被保険者）",
        "令和7年4月1日",
        "3割",
        "区分ウ",
        "交付年月日令和7年12月1日",
        "有効期限令和12年11月30日まで",
        "〒100-8916",
        "注意事項",
        "C-2025-000123",
    ] {
        assert!(text.contains(expected), "{expected:?} not in the 資格確認書's text:\n{text}");
    }
}

#[test]
fn notice_text_is_japanese_and_explains_the_card() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let pdf = write(&dir, "notice.pdf", &render_pdf(&notice(), font()).expect("renders"));
    let text = text_of(&pdf);
    for expected in [
        "資格情報のお知らせ",
        "髙橋花子様",
        "昭和60年4月1日（1985年4月1日）",
        "みなと健康保険組合",
        "マイナ保険証",
        "このお知らせだけでは受診できません",
        "資格情報のお知らせ（携帯用）",
    ] {
        assert!(text.contains(expected), "{expected:?} not in the お知らせ's text:\n{text}");
    }
    assert!(!text.contains("有効期限"), "a お知らせ has no 有効期限:\n{text}");
}

#[test]
fn one_a4_page_with_the_font_embedded_as_a_subset() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, bytes) in [
        ("certificate.pdf", render_pdf(&certificate(), font()).expect("renders")),
        ("notice.pdf", render_pdf(&notice(), font()).expect("renders")),
    ] {
        let pdf = write(&dir, name, &bytes);
        let info = poppler("pdfinfo", &[pdf.as_os_str()]);
        assert!(info.contains("Pages:           1"), "{name}: {info}");
        assert!(
            info.contains("595.276 x 841.89 pts (A4)") || info.contains("595.28 x 841.89 pts (A4)"),
            "{name}: {info}"
        );
        let fonts = poppler("pdffonts", &[pdf.as_os_str()]);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert_eq!(rows.len(), 1, "{name}: one font\n{fonts}");
        let columns: Vec<&str> = rows[0].split_whitespace().collect();
        // name, type (2 words), encoding, emb, sub, uni, object ID (2)
        assert!(columns[0].contains('+') && columns[0].ends_with(font().name()), "{name}: subset tag\n{fonts}");
        assert_eq!(&columns[4..7], ["yes", "yes", "yes"], "{name}: embedded, subset, ToUnicode\n{fonts}");
        // A subset of a 4 MB font: small enough to mail by the thousand.
        assert!(bytes.len() < 200_000, "{name}: {} bytes", bytes.len());
    }
}

#[test]
fn the_same_notice_renders_to_the_same_bytes() {
    let first = render_pdf(&certificate(), font()).expect("renders");
    let second = render_pdf(&certificate(), font()).expect("renders");
    assert!(first == second, "two renders of one 資格確認書 differ");
}

#[test]
fn rasterises_as_a_printed_page_with_the_address_in_the_envelope_window() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let pdf = write(&dir, "certificate.pdf", &render_pdf(&certificate(), font()).expect("renders"));
    let prefix = dir.path().join("page");
    let prefix = prefix.to_str().expect("temporary paths are UTF-8");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "60", "-gray", "-singlefile"])
        .arg(&pdf)
        .arg(prefix)
        .status()
        .expect("pdftoppm runs (poppler-utils)");
    assert!(status.success());
    let page = Grey::read(&std::fs::read(format!("{prefix}.pgm")).expect("pdftoppm wrote the page"));
    // A4 at 60 dpi: 496.06 × 701.57 pixels, rounded by poppler.
    assert!((496..=497).contains(&page.width) && page.height == 702, "{} × {}", page.width, page.height);
    let whole = page.ink(0.0..210.0, 0.0..297.0);
    assert!((0.02..0.25).contains(&whole), "a printed form, neither blank nor black: {whole:.3} of the page is ink");
    // The window of a 長形3号 envelope (about 23–113 mm across, 12–57 mm down)
    // shows the addressee; the strip between it and the title is blank, so no
    // item of the certificate shows through the window.
    assert!(page.ink(23.0..113.0, 12.0..57.0) > 0.01, "the addressee is in the window");
    assert!(page.ink(0.0..210.0, 57.0..66.0) < 0.001, "nothing between the head and the title");
}

/// An 8-bit greyscale PGM (P5), as `pdftoppm -gray` writes it.
struct Grey {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Grey {
    fn read(bytes: &[u8]) -> Grey {
        // Header: "P5", width, height, maxval, each followed by whitespace.
        let mut fields = Vec::new();
        let mut start = 0;
        let mut idx = 0;
        while fields.len() < 4 {
            if bytes[idx].is_ascii_whitespace() {
                if idx > start {
                    fields.push(std::str::from_utf8(&bytes[start..idx]).expect("ASCII header").to_owned());
                }
                start = idx + 1;
            }
            idx += 1;
        }
        assert_eq!((fields[0].as_str(), fields[3].as_str()), ("P5", "255"));
        let width = fields[1].parse().expect("width");
        let height = fields[2].parse().expect("height");
        let pixels = bytes[idx..].to_vec();
        assert_eq!(pixels.len(), width * height);
        Grey { width, height, pixels }
    }

    /// The share of dark pixels in a region given in millimetres.
    fn ink(&self, x_mm: std::ops::Range<f64>, y_mm: std::ops::Range<f64>) -> f64 {
        let px = |mm: f64, limit: usize| ((mm / 25.4 * 60.0) as usize).min(limit);
        let (x0, x1) = (px(x_mm.start, self.width), px(x_mm.end, self.width));
        let (y0, y1) = (px(y_mm.start, self.height), px(y_mm.end, self.height));
        let mut dark = 0;
        for y in y0..y1 {
            dark += self.pixels[y * self.width + x0..y * self.width + x1].iter().filter(|&&p| p < 128).count();
        }
        dark as f64 / ((x1 - x0) * (y1 - y0)) as f64
    }
}
