//! Generate a town from the command line while the cli is being written:
//! `cargo run --release -p onshi-synth --example synth -- PEOPLE OUT_DIR [SEED]`.

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let people: usize = args.next().ok_or("usage: synth PEOPLE OUT_DIR [SEED]")?.parse()?;
    let out = PathBuf::from(args.next().ok_or("usage: synth PEOPLE OUT_DIR [SEED]")?);
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1);
    let config = onshi_synth::SynthConfig { people, seed, ..Default::default() };
    let started = Instant::now();
    let summary = onshi_synth::generate(&config, &out, &mut |_| {})?;
    eprintln!("{:.2} s", started.elapsed().as_secs_f64());
    println!("{summary:#?}");
    Ok(())
}
