//! The folders and file names of the exchange, and the atomic write.
//!
//! ```text
//! D/req/   clinic system drops requests, e.g. OQSsiquc01req_000123.xml
//! D/res/   the answer under the request's name with its `req_` prefix
//!          turned to `res_` (OQSsiquc01res_000123.xml); a name without
//!          such a prefix is answered under the same name
//! D/face/  card-check results from the reader, OQSsiquc01res_face_…xml
//! ```
//!
//! The `req`→`res` rule follows OQSDrug2 (Form1.cs, `reqfileName.Replace("req",
//! "res")` on the file name) and the 照会番号一括登録 names of sanox road26
//! (`OQSmuimm01req_…`); only the first `req_` is replaced, so a name that has
//! `req` elsewhere keeps it.
//!
//! Answers are written to a hidden temporary file in the same folder
//! (`.NAME.tmp-PID-N`, which a clinic system polling for `*.xml` does not
//! match), synced, then renamed over the final name, so a reader sees either no
//! file or the whole file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDateTime;

/// The request folder's name.
pub const REQUEST_DIR: &str = "req";
/// The response folder's name.
pub const RESPONSE_DIR: &str = "res";
/// The folder of card-check results.
pub const FACE_DIR: &str = "face";
/// The file-name prefix of card-check results (OQSDrug2 QualificationFaceExporter.cs).
pub const FACE_PREFIX: &str = "OQSsiquc01res_face_";

/// The exchange folder (`onshi connector --dir D`) and its three sub-folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeDir {
    root: PathBuf,
}

impl ExchangeDir {
    pub fn new(root: impl Into<PathBuf>) -> ExchangeDir {
        ExchangeDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn request_dir(&self) -> PathBuf {
        self.root.join(REQUEST_DIR)
    }

    pub fn response_dir(&self) -> PathBuf {
        self.root.join(RESPONSE_DIR)
    }

    pub fn face_dir(&self) -> PathBuf {
        self.root.join(FACE_DIR)
    }

    /// Create `req`, `res` and `face` if missing.
    pub fn create_all(&self) -> io::Result<()> {
        for dir in [self.request_dir(), self.response_dir(), self.face_dir()] {
            fs::create_dir_all(dir)?;
        }
        Ok(())
    }

    /// Where the answer to the request file `request_name` goes.
    pub fn response_path(&self, request_name: &str) -> PathBuf {
        self.response_dir().join(response_file_name(request_name))
    }
}

/// Whether a file name in `req` is a request to answer: ends in `.xml` (any
/// case) and is not hidden (temporary files of clinic systems and of this
/// crate start with a dot).
pub fn is_request_file(name: &str) -> bool {
    !name.starts_with('.')
        && name.len() > 4
        && name.get(name.len() - 4..).is_some_and(|ext| ext.eq_ignore_ascii_case(".xml"))
}

/// The answer's file name: the first `req_` turned to `res_`, else the same name.
pub fn response_file_name(request_name: &str) -> String {
    request_name.replacen("req_", "res_", 1)
}

/// The name of a card-check result file, in the form OQSDrug2 writes them:
/// prefix, 医療機関コード, `0` (an ordinary check), a 17-digit serial, `_`,
/// the time yyyyMMddHHmmss. The serial keeps names unique within a second.
pub fn face_file_name(medical_institution_code: &str, serial: u64, at: NaiveDateTime) -> String {
    format!("{FACE_PREFIX}{medical_institution_code}0{serial:017}_{}.xml", at.format("%Y%m%d%H%M%S"))
}

/// Read at most `max + 1` bytes of a file, so that a huge file is refused
/// without being read whole (the parser then reports it as too large).
pub fn read_limited(path: &Path, max: usize) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let mut bytes = Vec::new();
    file.take(max as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Write `bytes` to `dir/name` atomically: a hidden temporary file in the same
/// folder, synced, then renamed over `name`. Returns the final path.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("file name {name:?} must be a plain file name"),
        ));
    }
    let target = dir.join(name);
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, &target)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    Ok(target)
}
