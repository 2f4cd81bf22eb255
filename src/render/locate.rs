//! Finding one policy's document from what a person types: a path, an id (full or its first
//! 8 hex digits), or a name.
//!
//! File names carry the id marker and the name's slug, so most queries are answered from paths
//! alone; only documents whose slug or marker matches are read, to confirm the exact id or name.

use super::load;
use crate::normalize::slug;
use crate::store::layout;

/// Why a query found no single document.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocateError {
    #[error("no policy matches `{query}`")]
    NotFound { query: String },
    #[error("`{query}` matches {} policies: {}", candidates.len(), candidates.join(", "))]
    Ambiguous {
        query: String,
        candidates: Vec<String>,
    },
}

/// The document path `query` names among `paths` (repository-relative file paths); `tenant`
/// restricts the search; `read` returns a document's (id, name).
pub fn locate(
    paths: &[String],
    query: &str,
    tenant: Option<&str>,
    read: &mut dyn FnMut(&str) -> Option<(String, String)>,
) -> Result<String, LocateError> {
    let docs: Vec<&String> = paths
        .iter()
        .filter(|p| load::document_of(p).as_deref() == Some(p.as_str()))
        .filter(|p| tenant.is_none_or(|t| p.starts_with(&layout::in_tenant(t, ""))))
        .collect();
    let one = |found: Vec<&String>| -> Result<String, LocateError> {
        match found.as_slice() {
            [] => Err(LocateError::NotFound {
                query: query.to_string(),
            }),
            [p] => Ok(p.to_string()),
            many => Err(LocateError::Ambiguous {
                query: query.to_string(),
                candidates: many.iter().map(|p| p.to_string()).collect(),
            }),
        }
    };
    let q = query.trim().trim_start_matches("./");
    // A path: the document itself or one of its sidecars.
    if q.contains('/') || q.ends_with(".yaml") {
        let doc = load::document_of(q)
            .or_else(|| load::document_of(&layout::under_tenants(q)))
            .unwrap_or_else(|| q.to_string());
        let found: Vec<&String> = docs
            .iter()
            .copied()
            .filter(|p| {
                **p == doc
                    || p.ends_with(&format!("/{q}"))
                    || p.ends_with(&format!("/{q}.yaml"))
                    || tenant.is_some_and(|t| **p == layout::in_tenant(t, q))
            })
            .collect();
        if !found.is_empty() {
            return one(found);
        }
    }
    // An id: the file's marker, confirmed by the document for a full id.
    let hex: String = q.chars().filter(|c| *c != '-').collect();
    if hex.len() >= 8 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        let marker = if slug::is_guid(q) {
            slug::id_markers(q)[0].trim_end_matches('.').to_string()
        } else {
            format!("--{}", hex[..8].to_ascii_lowercase())
        };
        let by_marker: Vec<&String> = docs
            .iter()
            .copied()
            .filter(|p| p.trim_end_matches(".yaml").ends_with(&marker))
            .collect();
        let found: Vec<&String> = if slug::is_guid(q) {
            by_marker
                .into_iter()
                .filter(|p| read(p).is_some_and(|(id, _)| id.eq_ignore_ascii_case(q)))
                .collect()
        } else {
            by_marker
        };
        if !found.is_empty() {
            return one(found);
        }
    }
    // A name: files whose slug matches, confirmed by the document's name.
    let s = slug::slug(q);
    let by_slug: Vec<&String> = docs
        .iter()
        .copied()
        .filter(|p| {
            let file = p.rsplit('/').next().unwrap_or("");
            let stem = file.trim_end_matches(".yaml");
            stem.rsplit_once("--").is_some_and(|(slug, _)| slug == s)
        })
        .collect();
    let mut exact = vec![];
    let mut folded = vec![];
    for p in &by_slug {
        if let Some((_, name)) = read(p) {
            if name == q {
                exact.push(*p);
            } else if name.to_lowercase() == q.to_lowercase() {
                folded.push(*p);
            }
        }
    }
    if !exact.is_empty() {
        return one(exact);
    }
    if !folded.is_empty() {
        return one(folded);
    }
    one(by_slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Vec<String> {
        [
            "tenants/a/settingsCatalog/edge-baseline--8d2f3c1e.yaml",
            "tenants/a/powershellScripts/setup--11112222.yaml",
            "tenants/a/powershellScripts/setup--11112222.ps1",
            "tenants/b/settingsCatalog/edge-baseline--99990000.yaml",
            "tenants/a/_refs/groups.yaml",
            "runs/a/2026/01/x.yaml",
        ]
        .map(String::from)
        .to_vec()
    }

    fn read(p: &str) -> Option<(String, String)> {
        Some(match p {
            "tenants/a/settingsCatalog/edge-baseline--8d2f3c1e.yaml" => (
                "8d2f3c1e-0000-4000-8000-000000000001".into(),
                "Edge – baseline".into(),
            ),
            "tenants/b/settingsCatalog/edge-baseline--99990000.yaml" => (
                "99990000-0000-4000-8000-000000000001".into(),
                "Edge – baseline".into(),
            ),
            _ => (
                "11112222-0000-4000-8000-000000000001".into(),
                "Setup".into(),
            ),
        })
    }

    #[test]
    fn paths_ids_and_names_find_documents() {
        let p = paths();
        let find = |q: &str, t: Option<&str>| locate(&p, q, t, &mut read);
        let edge = "tenants/a/settingsCatalog/edge-baseline--8d2f3c1e.yaml";
        assert_eq!(
            find("settingsCatalog/edge-baseline--8d2f3c1e.yaml", None).unwrap(),
            edge
        );
        assert_eq!(
            find("tenants/a/powershellScripts/setup--11112222.ps1", None).unwrap(),
            "tenants/a/powershellScripts/setup--11112222.yaml"
        );
        assert_eq!(find("8d2f3c1e", None).unwrap(), edge);
        assert_eq!(
            find("8d2f3c1e-0000-4000-8000-000000000001", None).unwrap(),
            edge
        );
        assert_eq!(find("Edge – baseline", Some("a")).unwrap(), edge);
        assert_eq!(
            find("setup", None).unwrap(),
            "tenants/a/powershellScripts/setup--11112222.yaml"
        );
    }

    #[test]
    fn ambiguity_and_absence_are_errors_naming_the_candidates() {
        let p = paths();
        match locate(&p, "Edge – baseline", None, &mut read) {
            Err(LocateError::Ambiguous { candidates, .. }) => assert_eq!(candidates.len(), 2),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            locate(&p, "8d2f3c1e-0000-4000-8000-00000000ffff", None, &mut read),
            Err(LocateError::NotFound { .. })
        ));
        assert!(matches!(
            locate(&p, "groups", None, &mut read),
            Err(LocateError::NotFound { .. })
        ));
    }
}
