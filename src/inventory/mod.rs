//! The inventory: what is configured in each tenant at a revision, for which platform, under
//! which scope tags, assigned to whom, and when it last changed — read from git alone, never
//! from Graph (docs/ARCHITECTURE.md, "Inventory").
//!
//! One row per document. Filters answer the everyday questions: everything of a type or a
//! platform, what a scope tag holds, what a group gets (its inclusions and exclusions, with their
//! filters), what is assigned to no one. The last change of each document comes from one walk of
//! the tenant folder's history, not one log per file.

mod platform;

use platform::platform_of;

use crate::catalog;
use crate::normalize::{self, Document};
use crate::store::{LogQuery, Repo, StoreError, layout};
use globset::GlobMatcher;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One configured object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// Folder name below `tenants/`.
    pub tenant: String,
    /// Catalog key of the type.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    /// Graph id in the tenant.
    pub id: String,
    /// `windows`, `macOS`, `iOS`, `android`, `linux`, `apple`; absent for objects of every
    /// platform (Conditional Access, scope tags, web apps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Scope tag names; empty for types without scope tags.
    pub scope_tags: Vec<String>,
    /// Who it is assigned to, one entry per assignment; empty when unassigned or not assignable.
    pub assignments: Vec<Target>,
    /// Whether the type can be assigned at all.
    pub assignable: bool,
    /// The document's path in the repository.
    pub path: String,
    /// The last commit that changed the document, at or before the revision read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<Change>,
}

/// One assignment in words a filter and a table can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// `include` or `exclude`.
    pub mode: String,
    /// `group`, `allUsers`, `allDevices`, or Graph's target type for anything else.
    pub target: String,
    /// The group's id, for group targets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The group's name at backup time; absent when the group was not found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The assignment filter's name (or id when unnamed) and mode, `include`/`exclude`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_mode: Option<String>,
    /// `required`, `available`, `uninstall`, … where the type has intents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
}

impl Target {
    /// `include "Finance" (filter "Windows 11" include)`, as the table shows it.
    pub fn describe(&self) -> String {
        let who = match (self.target.as_str(), &self.group, &self.group_id) {
            ("group", Some(name), _) => format!("\"{name}\""),
            ("group", None, Some(id)) => format!("group {id}"),
            ("allUsers", ..) => "all users".into(),
            ("allDevices", ..) => "all devices".into(),
            (other, ..) => other.to_string(),
        };
        let mut s = format!("{} {who}", self.mode);
        if let Some(intent) = &self.intent {
            s = format!("{intent}: {s}");
        }
        if let (Some(f), Some(m)) = (&self.filter, &self.filter_mode) {
            s.push_str(&format!(" (filter \"{f}\" {m})"));
        }
        s
    }
}

/// The commit that last changed a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub commit: String,
    /// Author time, RFC 3339.
    pub date: String,
}

/// Whom an assignment filter asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    AllUsers,
    AllDevices,
    /// A group by its id or (case-insensitively) its name.
    Group(String),
}

impl Audience {
    pub fn parse(s: &str) -> Audience {
        match s {
            "all-users" => Audience::AllUsers,
            "all-devices" => Audience::AllDevices,
            other => Audience::Group(other.to_string()),
        }
    }

    /// Whether an assignment is to this audience (an inclusion or an exclusion of it).
    pub fn matches(&self, t: &Target) -> bool {
        match self {
            Audience::AllUsers => t.target == "allUsers",
            Audience::AllDevices => t.target == "allDevices",
            Audience::Group(g) => {
                t.target == "group"
                    && (t.group_id.as_deref() == Some(g.as_str())
                        || t.group
                            .as_deref()
                            .is_some_and(|n| n.eq_ignore_ascii_case(g)))
            }
        }
    }
}

/// What to list: every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Tenant folders; empty = every tenant at the revision.
    pub tenants: Vec<String>,
    /// Catalog keys; empty = every type.
    pub types: Vec<String>,
    /// A platform, case-insensitive.
    pub platform: Option<String>,
    /// A scope tag name, case-insensitive.
    pub scope_tag: Option<String>,
    pub assigned_to: Option<Audience>,
    /// Only assignable objects without any assignment.
    pub unassigned: bool,
    /// A glob over names (`Windows*`), case-insensitive.
    pub name: Option<String>,
    /// Revision; default HEAD.
    pub rev: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("--name {glob}: {message}")]
    BadGlob { glob: String, message: String },
    #[error("unknown type `{0}` (see `tenant-atlas types`)")]
    UnknownType(String),
    #[error("no tenant `{tenant}` at {rev} (tenants there: {known})")]
    UnknownTenant {
        tenant: String,
        rev: String,
        known: String,
    },
}

/// What `list --format json` prints (`schemas/inventory.schema.json`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Inventory {
    pub objects: Vec<Row>,
    /// Documents that could not be read, with the reason.
    pub unreadable: Vec<Unreadable>,
}

/// A document that could not be read: named, never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Unreadable {
    pub path: String,
    pub reason: String,
}

/// The rows the query selects, sorted by tenant, type (catalog order) and name, and the
/// documents that could not be read.
pub fn list(repo: &Repo, q: &Query) -> Result<(Vec<Row>, Vec<Unreadable>), InventoryError> {
    let rev = q.rev.clone().unwrap_or_else(|| "HEAD".into());
    for t in &q.types {
        if catalog::get(t).is_none() {
            return Err(InventoryError::UnknownType(t.clone()));
        }
    }
    let name: Option<GlobMatcher> = match &q.name {
        Some(g) => Some(
            globset::GlobBuilder::new(g)
                .case_insensitive(true)
                .build()
                .map_err(|e| InventoryError::BadGlob {
                    glob: g.clone(),
                    message: e.kind().to_string(),
                })?
                .compile_matcher(),
        ),
        None => None,
    };
    let present = repo.tenant_folders(&rev)?;
    for t in &q.tenants {
        if !present.contains(t) {
            return Err(InventoryError::UnknownTenant {
                tenant: t.clone(),
                rev: rev.clone(),
                known: present.join(", "),
            });
        }
    }
    let (mut rows, mut unreadable) = (vec![], vec![]);
    for tenant in present
        .iter()
        .filter(|t| q.tenants.is_empty() || q.tenants.contains(t))
    {
        let changes = last_changes(repo, &rev, tenant)?;
        let prefix = layout::tenant(tenant);
        let wanted = |rel: &str| {
            rel.ends_with(".yaml")
                && rel.split_once('/').is_some_and(|(kind, _)| {
                    catalog::get(kind).is_some()
                        && (q.types.is_empty() || q.types.iter().any(|t| t == kind))
                })
        };
        for (rel, bytes) in repo.read_all_at(&rev, &prefix, wanted)? {
            let path = format!("{prefix}/{rel}");
            let doc = match read(&path, &bytes) {
                Ok(d) => d,
                Err(reason) => {
                    unreadable.push(Unreadable { path, reason });
                    continue;
                }
            };
            let row = row(tenant, &path, &doc, changes.get(&path).cloned());
            if keep(&row, q, name.as_ref()) {
                rows.push(row);
            }
        }
    }
    let order: HashMap<&str, usize> = catalog::all()
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key, i))
        .collect();
    rows.sort_by(|a, b| {
        (&a.tenant, order.get(a.kind.as_str()), &a.name, &a.id).cmp(&(
            &b.tenant,
            order.get(b.kind.as_str()),
            &b.name,
            &b.id,
        ))
    });
    Ok((rows, unreadable))
}

/// What a row needs of a document: everything but `spec`, and the platform word `spec` holds.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Head {
    kind: String,
    id: String,
    name: String,
    #[serde(default)]
    odata_type: Option<String>,
    #[serde(default)]
    scope_tags: Option<Vec<String>>,
    #[serde(default)]
    assignments: Option<Vec<normalize::assignments::Assignment>>,
}

/// A document as a row reads it. Documents the tool wrote put `spec` after the fields a row
/// needs, so only the part before `spec:` is parsed and the spec is scanned for its platform
/// line: a tenant's inventory costs a fraction of parsing every setting. Anything else (a
/// document edited into another order, a missing field) is parsed whole, so a broken document
/// is named exactly as `show` would name it. The spec itself is not checked here: `show`,
/// `diff` and `plan` read it whole.
fn read(path: &str, bytes: &[u8]) -> Result<Document, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    if let Some(at) = text.find("\nspec:\n")
        && let Ok(h) = normalize::yaml::from_str::<Head>(&text[..at + 1], path)
    {
        let spec = &text[at + 7..];
        let word = spec
            .lines()
            .take_while(|l| l.is_empty() || l.starts_with(' '))
            .find_map(|l| {
                ["  platforms: ", "  platform: "]
                    .iter()
                    .find_map(|k| l.strip_prefix(k))
                    .map(|v| v.trim().trim_matches(['\'', '"']).to_string())
            });
        let mut spec = serde_json::Map::new();
        if let Some(w) = word {
            spec.insert("platforms".into(), serde_json::Value::String(w));
        }
        return Ok(Document {
            kind: h.kind,
            id: h.id,
            name: h.name,
            odata_type: h.odata_type,
            scope_tags: h.scope_tags,
            assignments: h.assignments,
            spec: serde_json::Value::Object(spec),
            sidecars: Default::default(),
            secrets: vec![],
        });
    }
    normalize::yaml::from_str(text, path).map_err(|e| e.to_string())
}

/// The last commit that changed each file of a tenant, from one walk of its folder's history.
fn last_changes(
    repo: &Repo,
    rev: &str,
    tenant: &str,
) -> Result<HashMap<String, Change>, StoreError> {
    let log = repo.log(&LogQuery {
        paths: vec![format!("{}/", layout::tenant(tenant))],
        rev: Some(rev.to_string()),
        ..LogQuery::default()
    })?;
    let mut out = HashMap::new();
    for entry in log {
        for c in entry.changes {
            if let Some(p) = c.new_path {
                out.entry(p).or_insert_with(|| Change {
                    commit: entry.commit.short_id.clone(),
                    date: entry.commit.time.to_string(),
                });
            }
        }
    }
    Ok(out)
}

fn row(tenant: &str, path: &str, doc: &Document, changed: Option<Change>) -> Row {
    let entry = catalog::get(&doc.kind);
    let assignments = doc
        .assignments
        .iter()
        .flatten()
        .map(|a| {
            let (mode, target) = match a.target.as_str() {
                "group" => ("include", "group"),
                "exclusionGroup" => ("exclude", "group"),
                "allLicensedUsers" => ("include", "allUsers"),
                "allDevices" => ("include", "allDevices"),
                other => ("include", other),
            };
            Target {
                mode: mode.into(),
                target: target.into(),
                group_id: a.group.as_ref().map(|g| g.id.clone()),
                group: a.group.as_ref().and_then(|g| g.name.clone()),
                filter: a
                    .filter
                    .as_ref()
                    .map(|f| f.name.clone().unwrap_or_else(|| f.id.clone())),
                filter_mode: a.filter.as_ref().map(|f| f.mode.clone()),
                intent: a.intent.clone(),
            }
        })
        .collect();
    Row {
        tenant: tenant.to_string(),
        kind: doc.kind.clone(),
        name: doc.name.clone(),
        id: doc.id.clone(),
        platform: platform_of(doc, entry.and_then(|e| e.platform)),
        scope_tags: doc.scope_tags.clone().unwrap_or_default(),
        assignments,
        assignable: doc.assignments.is_some(),
        path: path.to_string(),
        changed,
    }
}

fn keep(r: &Row, q: &Query, name: Option<&GlobMatcher>) -> bool {
    let platform = q.platform.as_ref().is_none_or(|p| {
        r.platform
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(p))
    });
    let tag = q
        .scope_tag
        .as_ref()
        .is_none_or(|t| r.scope_tags.iter().any(|x| x.eq_ignore_ascii_case(t)));
    let audience = q
        .assigned_to
        .as_ref()
        .is_none_or(|a| r.assignments.iter().any(|t| a.matches(t)));
    let unassigned = !q.unassigned || (r.assignable && r.assignments.is_empty());
    let named = name.is_none_or(|m| m.is_match(&r.name));
    platform && tag && audience && unassigned && named
}

/// Rows counted by type and by platform, for a summary line or page.
pub fn counts(rows: &[Row]) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let (mut by_type, mut by_platform) = (BTreeMap::new(), BTreeMap::new());
    for r in rows {
        *by_type.entry(r.kind.clone()).or_default() += 1;
        *by_platform
            .entry(r.platform.clone().unwrap_or_else(|| "any".into()))
            .or_default() += 1;
    }
    (by_type, by_platform)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every golden document gives the same row fast as parsed whole; one edited into another
    /// order is parsed whole; a broken head is named.
    #[test]
    fn the_fast_read_gives_what_the_whole_parse_gives() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden/demo");
        let mut seen = 0;
        for kind in std::fs::read_dir(&root).unwrap() {
            let dir = kind.unwrap().path();
            if !dir.is_dir() || dir.ends_with("_refs") {
                continue;
            }
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_none_or(|x| x != "yaml") {
                    continue;
                }
                let bytes = std::fs::read(&f).unwrap();
                let path = f.display().to_string();
                let whole: Document =
                    normalize::yaml::from_str(std::str::from_utf8(&bytes).unwrap(), &path).unwrap();
                let of_type = catalog::get(&whole.kind).and_then(|e| e.platform);
                let want = row("t", &path, &whole, None);
                let fast = read(&path, &bytes).unwrap();
                assert_eq!(row("t", &path, &fast, None), want, "{path}");
                assert_eq!(
                    platform_of(&fast, of_type),
                    platform_of(&whole, of_type),
                    "{path}"
                );
                seen += 1;
            }
        }
        assert!(seen > 150, "{seen}");
        let reordered = "spec:\n  platforms: macOS\nkind: shellScripts\nid: '1'\nname: x\n";
        let d = read("x.yaml", reordered.as_bytes()).unwrap();
        assert_eq!(platform_of(&d, None).as_deref(), Some("macOS"));
        let broken = "kind: [\nid: '1'\nname: x\nspec:\n  a: 1\n";
        assert!(read("x.yaml", broken.as_bytes()).is_err());
    }
}
