//! The live side of a plan: the target tenant's objects as a backup of it would write them, with
//! their fingerprints, and the reference-like types restore maps ids by. Kept apart from
//! [`super::build`] so pairing ([`super::identity`]) and planning one item ([`super::item`]) read
//! it without importing the plan's builder.
//!
//! The files are held as a backup writes them; their documents are parsed a type at a time
//! ([`live_objects`]) when that type is planned, never all at once.

use crate::catalog::RefKind;
use crate::normalize::{self, Document};
use std::collections::BTreeMap;

/// One live object of the target tenant.
pub(crate) struct Live {
    pub(crate) doc: Document,
    pub(crate) path: String,
    pub(crate) fingerprint: String,
}

/// The target tenant as a backup reads it, with what could not be read.
pub(super) struct LiveSide {
    /// The files a backup of the target would write.
    pub(super) files: BTreeMap<String, Vec<u8>>,
    /// Types that could not be read, with why.
    pub(super) unreadable: BTreeMap<String, String>,
    /// Objects that could not be read completely, by id, with why.
    pub(super) failed_objects: BTreeMap<String, String>,
    /// Every object of the reference kinds the read listed whole, as (id, name).
    pub(super) listed: BTreeMap<RefKind, Vec<(String, String)>>,
}

/// Live documents of the types `wanted` chooses, by type, with their files and fingerprints.
pub(super) fn live_objects(
    files: &BTreeMap<String, Vec<u8>>,
    wanted: impl Fn(&str) -> bool,
) -> BTreeMap<String, Vec<Live>> {
    let mut out: BTreeMap<String, Vec<Live>> = BTreeMap::new();
    for (path, bytes) in files {
        let Some((kind, file)) = path.split_once('/') else {
            continue;
        };
        if kind.starts_with('_') || !file.ends_with(".yaml") || file.contains('/') || !wanted(kind)
        {
            continue;
        }
        let Ok(doc) = normalize::from_yaml(&String::from_utf8_lossy(bytes), path) else {
            continue;
        };
        let mut own: Vec<(&str, &[u8])> = vec![(path.as_str(), bytes.as_slice())];
        for r in doc.sidecars.values() {
            let p = format!("{kind}/{}", r.file);
            if let Some((k, b)) = files.get_key_value(&p) {
                own.push((k.as_str(), b.as_slice()));
            }
        }
        let fingerprint = super::fingerprint(own);
        out.entry(kind.to_string()).or_default().push(Live {
            doc,
            path: path.clone(),
            fingerprint,
        });
    }
    out
}
