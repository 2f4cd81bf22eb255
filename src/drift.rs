//! Drift: the live tenant, read and normalized exactly as a backup would, against a commit.
//!
//! Nothing is written and nothing is locked. Changed files are found by hashing the would-be files
//! the way git does and comparing blob ids with the commit's tree, so unchanged documents are never
//! parsed; only changed ones are rendered into the report. Types or objects that could not be read
//! are not reported as removed: their drift is unknown, and the failures say so.

use crate::backup::{self, TenantTarget, fetch::Failure};
use crate::render::load::{self, Loader, MemFiles, RevFiles};
use crate::render::{Report, Unread, Warning};
use crate::store::{self, Repo, StoreError};

/// Drift of one tenant.
#[derive(Debug)]
pub struct TenantDrift {
    pub report: Report,
    /// Types and objects that could not be read from Graph.
    pub failures: Vec<Failure>,
    /// Set when the tenant could not be signed in to: nothing was read.
    pub sign_in: Option<crate::graph::GraphError>,
}

/// Compares the live tenant with the commit `rev` (labelled `rev_label` in the report).
pub async fn drift(
    repo: &Repo,
    rev: &str,
    rev_label: &str,
    t: &TenantTarget,
) -> Result<TenantDrift, StoreError> {
    let prefix = crate::store::layout::tenant(&t.name);
    // Resolve first: an unknown revision is an error before any Graph request.
    let committed = repo.blob_ids_at(rev, &prefix)?;
    let snap = backup::preview(repo, rev, t, &[]).await;
    let mut changes = vec![];
    let paths: std::collections::BTreeSet<&String> =
        committed.keys().chain(snap.files.keys()).collect();
    for path in paths {
        let old = committed.get(path);
        let new = snap.files.get(path).map(|b| store::blob_id(b));
        if old == new.as_ref() {
            continue;
        }
        if new.is_none() && snap.keep(path) {
            continue; // not read this time: unknown, not removed
        }
        let full = format!("{prefix}/{path}");
        changes.push((old.map(|_| full.clone()), new.map(|_| full)));
    }
    let pairs = load::document_pairs(&changes);
    let old_files = RevFiles {
        repo,
        rev: rev.to_string(),
    };
    let new_files = MemFiles {
        prefix: prefix.clone(),
        files: &snap.files,
    };
    let (mut old, mut new) = (Loader::new(&old_files), Loader::new(&new_files));
    let mut warnings: Vec<Warning> = vec![];
    let objects = load::compare_pairs(&mut old, &mut new, &pairs, &mut warnings);
    let mut report = Report::new(
        "drift",
        Some(t.name.clone()),
        rev_label.to_string(),
        "live tenant".into(),
    );
    report.extend(objects);
    report.warnings = warnings;
    report.documents_read = old.documents_read + new.documents_read;
    report.unread = snap
        .failures
        .iter()
        .map(|f| Unread {
            kind: f.kind.clone(),
            object: f.object.clone(),
            message: f.message.clone(),
        })
        .collect();
    report.health = crate::health::expiries(&prefix, &snap.files, crate::clock::now());
    Ok(TenantDrift {
        report,
        failures: snap.failures,
        sign_in: snap.sign_in,
    })
}
