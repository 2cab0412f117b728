//! Sample notices and the font, shared by the tests.

use std::process::Command;
use std::sync::OnceLock;

use onshi_domain::Date;
use onshi_domain::insurance::MemberKey;
use onshi_domain::person::{Relationship, Sex};
use onshi_notice::{Addressee, EligibilityCertificate, EligibilityNotice, Holder, Insurer, LimitCategory, NoticeFont};

/// The font `NoticeFont::find(None)` finds; scripts/ensure-tools.sh installs it.
pub(crate) fn font() -> &'static NoticeFont {
    static FONT: OnceLock<NoticeFont> = OnceLock::new();
    FONT.get_or_init(|| NoticeFont::find(None).unwrap_or_else(|error| panic!("{error}")))
}

pub(crate) fn date(iso: &str) -> Date {
    iso.parse().expect("test dates are ISO dates")
}

pub(crate) fn insurer() -> Insurer {
    Insurer {
        name: "みなと健康保険組合".to_owned(),
        address: Some("東京都港区芝公園一丁目2番3号".to_owned()),
        phone: Some("03-1234-5678".to_owned()),
    }
}

pub(crate) fn holder() -> Holder {
    Holder {
        key: MemberKey {
            insurer_number: "06139992".parse().expect("valid insurer number"),
            symbol: "1234".parse().expect("valid 記号"),
            number: "567".parse().expect("valid 番号"),
            branch: "01".parse().expect("valid 枝番"),
        },
        relationship: Relationship::Insured,
        name: "髙橋 花子".to_owned(),
        name_kana: "タカハシ ハナコ".to_owned(),
        birth_date: date("1985-04-01"),
        sex: Sex::Female,
        address: Some("東京都千代田区霞が関一丁目2番2号".to_owned()),
        acquired_on: date("2025-04-01"),
        copay_ratio: "3".parse().expect("valid ratio"),
    }
}

pub(crate) fn addressee() -> Addressee {
    Addressee {
        postal_code: Some("100-8916".parse().expect("valid 郵便番号")),
        address: "東京都千代田区霞が関一丁目2番2号".to_owned(),
        name: "髙橋 花子".to_owned(),
    }
}

pub(crate) fn certificate() -> EligibilityCertificate {
    EligibilityCertificate {
        serial: "C-2025-000123".to_owned(),
        insurer: insurer(),
        holder: holder(),
        limit_category: Some(LimitCategory::U),
        issued_on: date("2025-12-01"),
        expires_on: date("2030-11-30"),
        addressee: addressee(),
    }
}

pub(crate) fn notice() -> EligibilityNotice {
    EligibilityNotice {
        serial: "N-2025-000456".to_owned(),
        insurer: insurer(),
        holder: holder(),
        issued_on: date("2025-12-01"),
        addressee: addressee(),
    }
}

/// Run a poppler tool with `args` and return its standard output.
pub(crate) fn poppler(tool: &str, args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {tool} ({error}); install poppler-utils (scripts/ensure-tools.sh)"));
    assert!(output.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("poppler writes UTF-8")
}
