//! Expiry health: the certificates and tokens without which Intune stops managing devices — the
//! Apple push certificate, VPP and enrollment program tokens, partner deadlines — found in a
//! tenant's documents by the catalog's `expiry` fields, and warned of before the date
//! (docs/ARCHITECTURE.md, "Expiry health").
//!
//! Health never changes an exit code: an expiring token is not drift. It is reported beside drift
//! (text, markdown, JSON), on the tenant's page and as a notification.

use crate::catalog;
use crate::normalize::{self, Document};
use crate::store::{Repo, StoreError, layout};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Days before an expiry from which it is reported.
pub const WARN_DAYS: i64 = 30;

/// A date of an object that is near or past.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Expiry {
    /// Catalog key of the object's type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// The object's document, relative to the repository root.
    pub path: String,
    /// The property holding the date.
    pub field: String,
    /// What happens then (or happened): "expires", "marks its devices not compliant", "expired".
    pub event: String,
    /// The date, as the document has it (RFC 3339).
    pub expires: String,
    /// Whole days from now to the date; negative once it has passed.
    pub days_left: i64,
}

impl Expiry {
    pub fn expired(&self) -> bool {
        self.days_left < 0
    }
}

impl std::fmt::Display for Expiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let title = catalog::get(&self.kind).map_or(self.kind.as_str(), |e| e.title);
        let day = self.expires.get(..10).unwrap_or(&self.expires);
        let days = |n: i64| format!("{n} day{}", if n == 1 { "" } else { "s" });
        let (name, event) = (&self.name, &self.event);
        match self.days_left {
            d if d < 0 => write!(f, "{title}: \"{name}\" {event} on {day}, {} ago", days(-d)),
            0 => write!(f, "{title}: \"{name}\" {event} today, {day}"),
            d => write!(f, "{title}: \"{name}\" {event} on {day}, in {}", days(d)),
        }
    }
}

/// Whether `path` (relative to a tenant folder) is a document of a type with expiry dates: the
/// only documents health reads.
pub fn dated(path: &str) -> bool {
    path.ends_with(".yaml")
        && path
            .split_once('/')
            .and_then(|(kind, _)| catalog::get(kind))
            .is_some_and(|e| !e.expiry.is_empty())
}

/// The expiries within [`WARN_DAYS`] of `now` (or past) among a tenant's documents: `files` maps
/// paths relative to the tenant folder to their bytes (a backup's files or a commit's), `prefix`
/// is the tenant folder. Only documents of types with expiry fields are parsed; one that does not
/// parse is skipped (the reports that read it warn of it).
pub fn expiries(prefix: &str, files: &BTreeMap<String, Vec<u8>>, now: Timestamp) -> Vec<Expiry> {
    let mut out = vec![];
    for (path, bytes) in files {
        let Some(entry) = path
            .split_once('/')
            .and_then(|(kind, _)| catalog::get(kind))
            .filter(|_| dated(path))
        else {
            continue;
        };
        let full = format!("{prefix}/{path}");
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let Ok(doc) = normalize::from_yaml(text, &full) else {
            continue;
        };
        out.extend(of_document(entry, &doc, &full, now));
    }
    out.sort_by(|a, b| (a.days_left, &a.kind, &a.name).cmp(&(b.days_left, &b.kind, &b.name)));
    out
}

/// The expiries within [`WARN_DAYS`] of `now` among `tenant`'s documents at `rev`: only the
/// documents of types with expiry dates are read.
pub fn at_rev(
    repo: &Repo,
    rev: &str,
    tenant: &str,
    now: Timestamp,
) -> Result<Vec<Expiry>, StoreError> {
    let prefix = layout::tenant(tenant);
    let mut files = BTreeMap::new();
    for (path, blob) in repo.blob_ids_at(rev, &prefix)? {
        if dated(&path) {
            files.insert(path, repo.read_blob(&blob)?);
        }
    }
    Ok(expiries(&prefix, &files, now))
}

/// The expiries of one document within [`WARN_DAYS`] of `now`.
pub fn of_document(
    entry: &catalog::CatalogEntry,
    doc: &Document,
    path: &str,
    now: Timestamp,
) -> Vec<Expiry> {
    entry
        .expiry
        .iter()
        .filter_map(|rule| {
            let text = crate::normalize::path::get(&doc.spec, rule.field)?.as_str()?;
            let when: Timestamp = text.parse().ok()?;
            // `0001-01-01T00:00:00Z` is Graph's "never", not a date long past.
            if when.as_second() < Timestamp::UNIX_EPOCH.as_second() {
                return None;
            }
            let days_left = (when.as_second() - now.as_second()).div_euclid(86_400);
            (days_left <= WARN_DAYS).then(|| Expiry {
                kind: entry.key.to_string(),
                name: doc.name.clone(),
                path: path.to_string(),
                field: rule.field.to_string(),
                event: if days_left < 0 { rule.past } else { rule.event }.to_string(),
                expires: text.to_string(),
                days_left,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &str, name: &str, spec: &str) -> (String, Vec<u8>) {
        let text = format!(
            "kind: {kind}\nid: 11111111-2222-3333-4444-555555555555\nname: {name}\nspec:\n{spec}"
        );
        (format!("{kind}/{name}--11111111.yaml"), text.into_bytes())
    }

    #[test]
    fn near_and_past_dates_are_reported_far_and_never_are_not() {
        let now: Timestamp = "2026-12-05T08:00:00Z".parse().unwrap();
        let files: BTreeMap<String, Vec<u8>> = [
            doc(
                "vppTokens",
                "soon",
                "  expirationDateTime: 2026-12-15T09:30:00Z\n",
            ),
            doc(
                "vppTokens",
                "far",
                "  expirationDateTime: 2027-12-15T09:30:00Z\n",
            ),
            doc(
                "vppTokens",
                "past",
                "  expirationDateTime: 2026-12-01T00:00:00Z\n",
            ),
            doc(
                "vppTokens",
                "never",
                "  expirationDateTime: 0001-01-01T00:00:00Z\n",
            ),
            doc("vppTokens", "unset", "  expirationDateTime: null\n"),
            doc(
                "appleEnrollmentTokens",
                "edge",
                "  tokenExpirationDateTime: 2027-01-04T08:00:00Z\n",
            ),
            // A type without expiry fields is never read for one.
            doc(
                "deviceCategories",
                "cat",
                "  expirationDateTime: 2026-12-06T00:00:00Z\n",
            ),
        ]
        .into_iter()
        .collect();
        let found = expiries("tenants/t", &files, now);
        let seen: Vec<(&str, i64)> = found
            .iter()
            .map(|e| (e.name.as_str(), e.days_left))
            .collect();
        assert_eq!(seen, [("past", -5), ("soon", 10), ("edge", 30)]);
        assert_eq!(found[1].path, "tenants/t/vppTokens/soon--11111111.yaml");
        assert!(found[0].expired() && !found[1].expired());
        assert_eq!(
            found[1].to_string(),
            "Apple VPP tokens: \"soon\" expires on 2026-12-15, in 10 days"
        );
        assert_eq!(
            found[0].to_string(),
            "Apple VPP tokens: \"past\" expired on 2026-12-01, 5 days ago"
        );
    }
}
