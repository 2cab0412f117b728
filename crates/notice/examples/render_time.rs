//! Render a sample 資格確認書 and 資格情報のお知らせ, write them to a folder,
//! and time the rendering.
//!
//! ```text
//! cargo run --release -p onshi-notice --example render_time -- OUT_DIR [N]
//! ```
//!
//! The font is found as `NoticeFont::find(None)` finds it.

use std::path::PathBuf;
use std::time::Instant;

use onshi_domain::Date;
use onshi_notice::{
    Addressee, EligibilityCertificate, EligibilityNotice, Form, Holder, Insurer, LimitCategory, NoticeFont, render_pdf,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out_dir = PathBuf::from(args.next().ok_or("usage: render_time OUT_DIR [N]")?);
    let n_renders: u32 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(50);

    let started = Instant::now();
    let font = NoticeFont::find(None)?;
    println!("font {} from {} loaded in {:.1} ms", font.name(), font.path().display(), ms(started));

    let certificate = sample_certificate()?;
    let notice = EligibilityNotice {
        serial: "N-2025-000123".to_owned(),
        insurer: certificate.insurer.clone(),
        holder: certificate.holder.clone(),
        issued_on: certificate.issued_on,
        addressee: certificate.addressee.clone(),
    };
    std::fs::create_dir_all(&out_dir)?;
    std::fs::write(out_dir.join("certificate.pdf"), render_pdf(&certificate, &font)?)?;
    std::fs::write(out_dir.join("notice.pdf"), render_pdf(&notice, &font)?)?;

    for form in [Form::Certificate(&certificate), Form::Notice(&notice)] {
        let started = Instant::now();
        let mut bytes = 0;
        for _ in 0..n_renders {
            bytes = render_pdf(form, &font)?.len();
        }
        let each = ms(started) / f64::from(n_renders);
        println!("{}: {each:.1} ms a PDF ({n_renders} renders), {bytes} bytes", form.title());
    }
    Ok(())
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn sample_certificate() -> Result<EligibilityCertificate, Box<dyn std::error::Error>> {
    let date = |text: &str| text.parse::<Date>();
    Ok(EligibilityCertificate {
        serial: "C-2025-000123".to_owned(),
        insurer: Insurer {
            name: "みなと健康保険組合".to_owned(),
            address: Some("東京都港区芝公園一丁目2番3号".to_owned()),
            phone: Some("03-1234-5678".to_owned()),
        },
        holder: Holder {
            key: onshi_domain::insurance::MemberKey {
                insurer_number: "06139992".parse()?,
                symbol: "1234".parse()?,
                number: "567".parse()?,
                branch: "01".parse()?,
            },
            relationship: onshi_domain::person::Relationship::Insured,
            name: "山田 太郎".to_owned(),
            name_kana: "ヤマダ タロウ".to_owned(),
            birth_date: date("1985-04-01")?,
            sex: onshi_domain::person::Sex::Male,
            address: Some("東京都千代田区霞が関一丁目2番2号 霞が関ハイツ101".to_owned()),
            acquired_on: date("2025-04-01")?,
            copay_ratio: "3".parse()?,
        },
        limit_category: Some(LimitCategory::U),
        issued_on: date("2025-12-01")?,
        expires_on: date("2030-11-30")?,
        addressee: Addressee {
            postal_code: Some("100-8916".parse()?),
            address: "東京都千代田区霞が関一丁目2番2号 霞が関ハイツ101".to_owned(),
            name: "山田 太郎".to_owned(),
        },
    })
}
