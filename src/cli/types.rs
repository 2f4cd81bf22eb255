//! `tenant-atlas types`: the catalog as a table or JSON.

use super::{CliError, Exit, Out, OutputFormat};
use crate::catalog;
use clap::Args;

#[derive(Args, Debug)]
pub struct TypesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

pub fn run(out: &Out, args: TypesArgs) -> Result<Exit, CliError> {
    match args.format {
        OutputFormat::Json => {
            let list: Vec<serde_json::Value> = catalog::all()
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "key": e.key,
                        "title": e.title,
                        "paths": e.paths(),
                        "capability": e.capability.as_str(),
                        "readPermission": e.read_permission,
                        "writePermission": e.write_permission,
                        "entry": e,
                    })
                })
                .collect();
            out.line(serde_json::to_string_pretty(&list).unwrap_or_default());
        }
        OutputFormat::Text => {
            let rows: Vec<[String; 4]> = catalog::all()
                .iter()
                .map(|e| {
                    [
                        e.key.to_string(),
                        e.capability.as_str().to_string(),
                        e.title.to_string(),
                        e.paths().join(", "),
                    ]
                })
                .collect();
            let header = ["KEY", "RESTORE", "TYPE", "GRAPH COLLECTION"].map(String::from);
            let width = |i: usize| {
                rows.iter()
                    .chain([&header])
                    .map(|r| r[i].chars().count())
                    .max()
                    .unwrap_or(0)
            };
            let (w0, w1, w2) = (width(0), width(1), width(2));
            for r in [&header].into_iter().chain(rows.iter()) {
                out.line(format!(
                    "{:<w0$}  {:<w1$}  {:<w2$}  {}",
                    r[0], r[1], r[2], r[3]
                ));
            }
        }
    }
    Ok(Exit::Ok)
}
