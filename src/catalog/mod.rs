//! The policy-type catalog: one entry per Intune / Entra policy type.
//!
//! Everything type-specific lives here as data — where Graph keeps the type, how to fetch what a list
//! omits, which fields are read-only, which arrays are sets, which fields become sidecar files, which
//! ids refer to other objects, and what restore can do with it. Backup, normalize and restore read the
//! entry; they never branch on a type's name. Adding a type means adding an entry in `entries/` (one file per family) and its line in `CATALOG`.

mod declared;
mod entries;
mod references;

use serde::Serialize;
use serde_json::Value;

pub use crate::cloud::ApiVersion;
pub use entries::CATALOG;
pub use references::{REFERENCE_SOURCES, RefLookup, RefSource};

/// What restore may do with a type (docs/ARCHITECTURE.md, "Restore capability and reference data").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Backed up, diffed, planned and applied.
    Full,
    /// Backed up, diffed and planned; apply refuses.
    PreviewOnly,
    /// Backed up and diffed only.
    BackupOnly,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Full => "full",
            Capability::PreviewOnly => "preview-only",
            Capability::BackupOnly => "backup-only",
        }
    }
}

/// One Graph collection a type is read from. Most types have one; app protection policies have three
/// typed collections and app configurations two.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub version: ApiVersion,
    /// Collection path below the version, e.g. `deviceManagement/deviceConfigurations`; a
    /// collection below each object of another names the parent by [`PARENT_SEGMENT`].
    pub collection: &'static str,
    /// Query options sent with the list request (without `?`), e.g. `$expand=assignments`.
    pub list_query: &'static str,
    /// `@odata.type`s this type accepts from the collection; empty accepts every type not claimed by
    /// `exclude_types`.
    pub odata_types: &'static [&'static str],
    /// `@odata.type`s that belong to another catalog entry sharing the collection.
    pub exclude_types: &'static [&'static str],
    /// Objects whose field equals the value are skipped (e.g. Microsoft-published remediations).
    pub skip_when: Option<(&'static str, SkipValue)>,
    /// Query options for a per-object GET that returns the complete object (sent in `$batch`).
    /// `None` when the list already returns everything.
    pub hydrate: Option<&'static str>,
    /// Navigation collections fetched per object (in `$batch`) and attached under their name.
    pub navs: &'static [Nav],
    /// `collection` is one object, not a collection: read by a GET of the path (a 404 means
    /// not configured), updated by a PATCH of it, never created or deleted
    /// (docs/ARCHITECTURE.md, "Singletons").
    pub singleton: bool,
    /// The property Graph keys the collection's objects by when it is not `id` (cross-tenant
    /// partners' `tenantId`, docs/graph-notes.md, "Cross-tenant access partners"): objects are
    /// read with it as their id, addressed by it, and created with it in the body.
    pub key: &'static str,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(untagged)]
pub enum SkipValue {
    Bool(bool),
    /// Any of these strings (e.g. a partner connection's "never set up" states).
    Str(&'static [&'static str]),
}

impl SkipValue {
    pub fn matches(self, v: &Value) -> bool {
        match self {
            SkipValue::Bool(b) => v.as_bool() == Some(b),
            SkipValue::Str(any) => v.as_str().is_some_and(|s| any.contains(&s)),
        }
    }
}

/// A navigation collection fetched per object: `GET {collection}/{id}/{path}?{query}`.
#[derive(Debug, Clone, Serialize)]
pub struct Nav {
    /// Sub-path below the object, and the property the result is attached as.
    pub path: &'static str,
    pub query: &'static str,
    /// When an item of the result lacks this property (the query's nested `$expand` was not
    /// honoured), fetch `{nav}/{item id}/{property}?{query}` for it.
    pub complete: Option<(&'static str, &'static str)>,
    /// The path is a property only its own GET answers (branding images), not a collection: its
    /// object is attached as it comes, and a 404 means not set.
    pub property: bool,
}

/// A field whose value is a payload kept as an exact-bytes sidecar file next to the document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SidecarField {
    /// Property holding base64 (`Edm.Binary`) content: top-level, or a plain dotted path into
    /// nested objects (`deviceCompliancePolicyScript.rulesContent`).
    pub field: &'static str,
    /// File extension used when the object names no file.
    pub ext: &'static str,
    /// Infix distinguishing several sidecars of one object (`detection` → `x--1234abcd.detection.ps1`).
    pub label: Option<&'static str>,
    /// Property holding the original file name, whose extension wins when present.
    pub file_name_field: Option<&'static str>,
}

/// A set-like array: its order carries no meaning, so it is sorted canonically.
#[derive(Debug, Clone, Serialize)]
pub struct SetRule {
    /// Path of the array: dotted properties, `[]` for "each element", a leading `**.` for "at any depth".
    pub path: &'static str,
    /// Path inside each element to sort by; `None` sorts by the element's canonical JSON.
    pub key: Option<&'static str>,
}

/// Kinds of objects other documents refer to by tenant-specific id; their names live in `_refs/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RefKind {
    Groups,
    AssignmentFilters,
    ScopeTags,
    MobileApps,
    NotificationTemplates,
    NamedLocations,
    /// Custom compliance discovery scripts, named by Windows compliance policies.
    ComplianceScripts,
    /// Authentication strengths, named by Conditional Access grant controls.
    AuthenticationStrengths,
    /// Terms of use agreements, named by Conditional Access grant controls.
    Agreements,
    /// App categories, named by apps.
    AppCategories,
    /// Reusable policy settings, named by settings catalog values (firewall rules' address groups).
    ReusableSettings,
    /// Objects of any catalog type, named by policy sets' items (`<type>/<name>`).
    Policies,
    /// Intune roles, Microsoft's and custom ones, named by role assignments.
    Roles,
    /// Microsoft Tunnel server configurations, named by Tunnel sites.
    TunnelConfigurations,
    /// Settings catalog definitions and their options: globally unique ids (not tenant-specific),
    /// kept so documents can be read as `Setting name = Option label` without Graph.
    SettingDefinitions,
    /// Users, named by Conditional Access conditions: by user principal name, unique in a tenant.
    Users,
    /// Entra directory roles, named by Conditional Access conditions: Microsoft's by their
    /// template ids (the same in every tenant), custom ones by the tenant's id.
    DirectoryRoles,
    /// Applications, named by Conditional Access conditions by their application (client) id, which
    /// is the same in every tenant the application is in; named by its service principal.
    Applications,
}

impl RefKind {
    pub const ALL: [RefKind; 18] = [
        RefKind::Groups,
        RefKind::AssignmentFilters,
        RefKind::ScopeTags,
        RefKind::MobileApps,
        RefKind::NotificationTemplates,
        RefKind::NamedLocations,
        RefKind::ComplianceScripts,
        RefKind::AuthenticationStrengths,
        RefKind::Agreements,
        RefKind::AppCategories,
        RefKind::ReusableSettings,
        RefKind::Policies,
        RefKind::Roles,
        RefKind::TunnelConfigurations,
        RefKind::SettingDefinitions,
        RefKind::Users,
        RefKind::DirectoryRoles,
        RefKind::Applications,
    ];

    /// File name below `_refs/`.
    pub fn file_stem(self) -> &'static str {
        match self {
            RefKind::Groups => "groups",
            RefKind::AssignmentFilters => "assignmentFilters",
            RefKind::ScopeTags => "scopeTags",
            RefKind::MobileApps => "mobileApps",
            RefKind::NotificationTemplates => "notificationTemplates",
            RefKind::NamedLocations => "namedLocations",
            RefKind::ComplianceScripts => "complianceScripts",
            RefKind::Agreements => "termsOfUse",
            RefKind::AppCategories => "appCategories",
            RefKind::ReusableSettings => "reusableSettings",
            RefKind::Policies => "policies",
            RefKind::Roles => "roles",
            RefKind::TunnelConfigurations => "tunnelConfigurations",
            RefKind::AuthenticationStrengths => "authenticationStrengths",
            RefKind::SettingDefinitions => "settingDefinitions",
            RefKind::Users => "users",
            RefKind::DirectoryRoles => "directoryRoles",
            RefKind::Applications => "applications",
        }
    }

    /// The name references to an object are recorded and mapped by: its display name, for apps
    /// with their type (`Microsoft Outlook (iosStoreApp)`), since apps of several platforms share
    /// names and one must never stand in for another (docs/graph-notes.md, "Apps").
    pub fn label(self, name: &str, odata_type: Option<&str>) -> String {
        match (self, odata_type) {
            (RefKind::MobileApps, Some(t)) if !t.is_empty() => {
                format!("{name} ({})", t.trim_start_matches("#microsoft.graph."))
            }
            _ => name.to_string(),
        }
    }

    /// [`RefKind::label`] of a Graph object (its [`RefKind::name_field`], `@odata.type`).
    pub fn label_of(self, object: &Value) -> Option<String> {
        let name = object.get(self.name_field())?.as_str()?;
        Some(self.label(name, object.get("@odata.type").and_then(Value::as_str)))
    }

    /// The property an object of the kind is named by: a user by the principal name, which no
    /// other user of the tenant has, everything else by its display name.
    pub fn name_field(self) -> &'static str {
        match self {
            RefKind::Users => "userPrincipalName",
            _ => "displayName",
        }
    }

    /// The property references hold: an application's id (`appId`) for applications, whose
    /// service principal has an id of its own in each tenant; `id` for everything else.
    pub fn key_field(self) -> &'static str {
        match self {
            RefKind::Applications => "appId",
            _ => "id",
        }
    }

    /// Ids that mean the same object in every tenant (application ids, Microsoft's directory role
    /// template ids): one the source tenant could not name — a Microsoft application without a
    /// service principal there — is kept as it is in any target, where another kind's blocks.
    pub fn ids_are_global(self) -> bool {
        matches!(self, RefKind::Applications | RefKind::DirectoryRoles)
    }

    /// A value that stands for a group of objects rather than naming one (`All`, `None`,
    /// `GuestsOrExternalUsers`, `Office365`, docs/graph-notes.md, "Conditional Access and named
    /// locations"): kept as it is, never looked up or mapped.
    pub fn is_keyword(self, value: &str) -> bool {
        let words: &[&str] = match self {
            // The authentication methods policy's "everyone" and "no one".
            RefKind::Groups => &["all_users", "00000000-0000-0000-0000-000000000000"],
            RefKind::Users => &["All", "None", "GuestsOrExternalUsers", "AllUsers"],
            RefKind::Applications => &[
                "All",
                "None",
                "Office365",
                "MicrosoftAdminPortals",
                "AllApplications",
                "AllMicrosoftApps",
            ],
            RefKind::DirectoryRoles => &["All", "None"],
            _ => &[],
        };
        words.contains(&value)
    }

    /// What one object of the kind is called in messages ("group", "scope tag").
    pub fn noun(self) -> &'static str {
        match self {
            RefKind::Groups => "group",
            RefKind::AssignmentFilters => "assignment filter",
            RefKind::ScopeTags => "scope tag",
            RefKind::MobileApps => "app",
            RefKind::NotificationTemplates => "notification template",
            RefKind::NamedLocations => "named location",
            RefKind::ComplianceScripts => "compliance script",
            RefKind::Agreements => "terms of use agreement",
            RefKind::AppCategories => "app category",
            RefKind::ReusableSettings => "reusable setting",
            RefKind::Policies => "policy",
            RefKind::Roles => "role",
            RefKind::TunnelConfigurations => "Tunnel server configuration",
            RefKind::AuthenticationStrengths => "authentication strength",
            RefKind::SettingDefinitions => "setting definition",
            RefKind::Users => "user",
            RefKind::DirectoryRoles => "directory role",
            RefKind::Applications => "application",
        }
    }
}

/// A catalog type whose objects other objects refer to by id: restore reads it with every live
/// tenant, plans it before the types that refer to it, and maps ids through it
/// (docs/ARCHITECTURE.md, "Restore capability and reference data").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Referenced {
    /// The kind references to its objects are.
    pub kind: RefKind,
    /// `plan --create-missing` may create a missing object of the type for the objects that
    /// refer to it (never groups or apps, which the tool does not own).
    pub creatable: bool,
    /// Restore reads the whole type to map references to it. Large types whose objects take
    /// requests of their own (apps) are not read so: their references are mapped through the
    /// reference list (`REFERENCE_SOURCES`) unless the type is restored itself.
    pub whole: bool,
}

/// A property inside `spec` that holds ids of other objects.
#[derive(Debug, Clone, Serialize)]
pub struct RefField {
    /// Same path syntax as [`SetRule::path`]; the value is a string id or an array of string ids.
    pub path: &'static str,
    pub kind: RefKind,
}

/// Where a type keeps its scope tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ScopeTagField {
    /// `roleScopeTagIds` (almost every Intune type).
    RoleScopeTagIds,
    /// `roleScopeTags` (assignment filters).
    RoleScopeTags,
    /// `scopeIds` (Windows 365 provisioning policies).
    ScopeIds,
    /// The type has no scope tags.
    None,
}

impl ScopeTagField {
    pub fn property(self) -> Option<&'static str> {
        match self {
            ScopeTagField::RoleScopeTagIds => Some("roleScopeTagIds"),
            ScopeTagField::RoleScopeTags => Some("roleScopeTags"),
            ScopeTagField::ScopeIds => Some("scopeIds"),
            ScopeTagField::None => None,
        }
    }
}

/// How a type's assignments are read and written.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentRule {
    /// Body key of the `assign` action (`assignments`, `deviceManagementScriptAssignments`, …).
    pub assign_key: &'static str,
    /// How assignments are written: the `assign` action with the whole set (replace-all), or one
    /// `POST {id}/assignments` per target and `DELETE {id}/assignments/{aid}` (Autopilot profiles,
    /// whose `assign` action assigns devices, docs/graph-notes.md, "Autopilot profiles").
    pub write: AssignWrite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AssignWrite {
    AssignAction,
    PerTarget,
    /// Policy sets: the whole set through the `update` action (docs/graph-notes.md, "Policy sets").
    UpdateAction,
}

/// One policy type.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogEntry {
    /// Catalog key: the folder name below `tenants/<tenant>/` and the `kind` of its documents.
    pub key: &'static str,
    pub title: &'static str,
    pub sources: &'static [Source],
    /// Where the object's name comes from.
    pub name: NameRule,
    /// Where the fetched object carries the definitions of the settings it uses (same path syntax as
    /// sets, e.g. `settings[].settingDefinitions`): their display names and option labels are kept in
    /// `_refs/settingDefinitions.yaml`. `None` when the type carries none.
    pub definitions: Option<&'static str>,
    /// Read-only, volatile or state properties removed besides the common ones (same path syntax as sets).
    pub strip: &'static [&'static str],
    /// Embedded read-only objects reduced to the properties that identify and describe them
    /// (path, kept keys) — e.g. an ADMX value's `definition`.
    pub project: &'static [(&'static str, &'static [&'static str])],
    pub sets: &'static [SetRule],
    pub sidecars: &'static [SidecarField],
    pub refs: &'static [RefField],
    pub scope_tags: ScopeTagField,
    /// `None` when the type has no assignments.
    pub assignments: Option<AssignmentRule>,
    pub capability: Capability,
    pub read_permission: &'static str,
    pub write_permission: &'static str,
    /// Position in restore order (docs/graph-notes.md, "Restore order"): lower first.
    pub restore_order: u8,
    /// Set when other objects refer to this type's objects by id.
    pub referenced: Option<Referenced>,
    /// How readable views show the document's `spec`.
    pub view: ViewShape,
    /// How restore writes the type (each type's section of docs/graph-notes.md).
    pub write: WriteRule,
    /// Dates in `spec` after which the object stops working — certificates and tokens — which
    /// health reports warn of (docs/ARCHITECTURE.md, "Expiry health").
    pub expiry: &'static [ExpiryField],
    /// The platform every object of the type is for, where its objects do not say (scripts,
    /// update profiles, Autopilot): what the inventory shows and filters by.
    pub platform: Option<&'static str>,
}

/// A date of an object that health reports warn of.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryField {
    /// Dotted path in `spec`.
    pub field: &'static str,
    /// What happens then, as people read it: "expires".
    pub event: &'static str,
    /// The same once it has happened: "expired".
    pub past: &'static str,
}

/// Where an object's name comes from.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase", tag = "rule")]
pub enum NameRule {
    /// A property the administrator sets (`displayName`, `name` for the settings catalog); restore
    /// writes the document's name back into it.
    Property { field: &'static str },
    /// Objects without a name of their own (singletons, connectors): the first of `fields` that is
    /// a non-empty string, else the name `known` gives the object's id, else `otherwise`. Never
    /// written back: the properties stay in `spec` as they are.
    Derived {
        fields: &'static [&'static str],
        known: &'static [(&'static str, &'static str)],
        otherwise: &'static str,
    },
}

impl NameRule {
    /// The property restore writes the name into, if the name is one.
    pub fn property(self) -> Option<&'static str> {
        match self {
            NameRule::Property { field } => Some(field),
            NameRule::Derived { .. } => None,
        }
    }

    /// The name of a Graph object.
    pub fn of(self, object: &Value) -> String {
        let text = |f: &str| {
            object
                .get(f)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
        };
        match self {
            NameRule::Property { field } => text(field).unwrap_or_default(),
            NameRule::Derived {
                fields,
                known,
                otherwise,
            } => fields
                .iter()
                .find_map(|f| text(f))
                .or_else(|| {
                    let id = object.get("id").and_then(Value::as_str)?;
                    known
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(id))
                        .map(|(_, n)| n.to_string())
                })
                .unwrap_or_else(|| otherwise.to_string()),
        }
    }
}

/// How restore writes a type's objects.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteRule {
    /// How the object's own properties are updated.
    pub update: UpdateMethod,
    /// Properties left out of an update body: immutable ones, and ones only an action can set.
    pub update_omit: &'static [&'static str],
    /// Properties written by an action after the object exists, never in its create/update body.
    pub actions: &'static [FollowUp],
    /// Properties (dotted paths in `spec`) an object keeps for life: Graph refuses to change them in
    /// place, or what it does then is unknown (docs/graph-variation.md, "Properties fixed at
    /// creation"). A difference blocks the update instead of sending it; the object has to be
    /// deleted and created again.
    pub fixed: &'static [&'static str],
    /// Ids are chosen by the client (authentication contexts' `c1`…`c99`): a create sends the
    /// object's id, and a target already holding that id under another name blocks the create.
    pub client_ids: bool,
    /// Objects restore can update but never create, and why (apps whose content a backup does
    /// not hold, apps a store sync brings).
    pub no_create: &'static [NoCreate],
    /// Properties a create may not carry, sent by a PATCH right after it (branding images).
    pub create_later: &'static [&'static str],
    /// Single-valued navigations a create names by `<field>@odata.bind`: the document keeps
    /// `{field: {id}}`, the body sends the object's URL in this collection (role assignments'
    /// role, docs/graph-notes.md, "Role assignments").
    pub binds: &'static [(&'static str, &'static str)],
}

/// Objects of a type that restore never creates: those whose `field` matches `when`.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NoCreate {
    pub field: &'static str,
    pub when: SkipValue,
    /// Why, as the plan says it.
    pub reason: &'static str,
}

impl WriteRule {
    /// Why restore may not create `object`, if it may not.
    pub fn refuses_create(&self, object: &Value) -> Option<&'static str> {
        self.no_create
            .iter()
            .find(|n| object.get(n.field).is_some_and(|v| n.when.matches(v)))
            .map(|n| n.reason)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum UpdateMethod {
    /// `PATCH {id}` with the changed object (`@odata.type` included).
    Patch,
    /// `PUT {id}` with the whole object — settings catalog, whose settings PATCH refuses
    /// (docs/graph-notes.md, "Writing settings catalog policies").
    Put,
}

/// A follow-up action that writes one property of an object (docs/graph-notes.md, "Restore order").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "action", content = "field")]
pub enum FollowUp {
    /// Administrative templates: `updateDefinitionValues` with added, updated and deleted values
    /// (docs/graph-notes.md, "Administrative templates").
    DefinitionValues(&'static str),
    /// Compliance: actions inline on create, `scheduleActionsForRules` on update
    /// (docs/graph-notes.md, "Compliance policies").
    ScheduledActions(&'static str),
    /// App protection: `targetApps` with the apps (docs/graph-notes.md, "App protection policies").
    TargetApps(&'static str),
    /// Enrollment configurations: `setPriority` after create
    /// (docs/graph-notes.md, "Enrollment configurations").
    SetPriority(&'static str),
    /// Notification templates: one `localizedNotificationMessages` POST per locale
    /// (docs/graph-notes.md, "Notification templates").
    LocalizedMessages(&'static str),
    /// Authentication strengths: inline on create, `updateAllowedCombinations` on update
    /// (docs/graph-notes.md, "Authentication strengths").
    AllowedCombinations(&'static str),
    /// Authentication strengths: one POST per combination configuration, a DELETE per one no
    /// longer wanted (docs/graph-notes.md, "Authentication strengths").
    CombinationConfigurations(&'static str),
    /// Apps: one `categories/$ref` POST per category added, a DELETE per one removed
    /// (docs/graph-notes.md, "Apps").
    Categories(&'static str),
    /// Apps: `updateRelationships` with the whole set of dependencies and supersedences
    /// (docs/graph-notes.md, "Apps").
    Relationships(&'static str),
    /// Policy sets: items inline on create, then the `update` action with the items added,
    /// changed and removed (docs/graph-notes.md, "Policy sets").
    PolicySetItems(&'static str),
    /// Children with ids of their own that exist with their parent (the authentication methods
    /// policy's method configurations): each that differs is PATCHed by its id with its
    /// `@odata.type`, one the target lacks is POSTed, none is removed (docs/graph-notes.md,
    /// "Authentication methods policy").
    PatchEach(&'static str),
}

impl FollowUp {
    /// The property the action writes.
    pub fn field(self) -> &'static str {
        match self {
            FollowUp::DefinitionValues(f)
            | FollowUp::ScheduledActions(f)
            | FollowUp::TargetApps(f)
            | FollowUp::SetPriority(f)
            | FollowUp::LocalizedMessages(f)
            | FollowUp::AllowedCombinations(f)
            | FollowUp::CombinationConfigurations(f)
            | FollowUp::Categories(f)
            | FollowUp::Relationships(f)
            | FollowUp::PolicySetItems(f)
            | FollowUp::PatchEach(f) => f,
        }
    }

    /// Whether a create carries the property in its body (the action is for updates only).
    pub fn inline_on_create(self) -> bool {
        matches!(
            self,
            FollowUp::ScheduledActions(_)
                | FollowUp::AllowedCombinations(_)
                | FollowUp::PolicySetItems(_)
        )
    }
}

/// The usual write rule: PATCH, nothing omitted, no follow-up action.
pub const PATCH: WriteRule = WriteRule {
    update: UpdateMethod::Patch,
    update_omit: &[],
    actions: &[],
    fixed: &[],
    client_ids: false,
    no_create: &[],
    create_later: &[],
    binds: &[],
};

/// The shape of a type's `spec`, which picks its readable renderer. Every shape renders the
/// properties it does not own as `property = value` lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "shape", content = "field")]
pub enum ViewShape {
    /// Properties only: nested objects as paths, arrays as lists.
    Properties,
    /// Settings catalog instances under this property (`settings`), shown by setting name.
    SettingsCatalog(&'static str),
    /// Administrative template definition values under this property (`definitionValues`).
    AdministrativeTemplate(&'static str),
}

impl CatalogEntry {
    /// The id of an object Graph answered: its `id`, or the key of a collection keyed by another
    /// property (a created cross-tenant partner answers its `tenantId`).
    pub fn id_of<'v>(&self, object: &'v serde_json::Value) -> Option<&'v str> {
        object["id"].as_str().or_else(|| {
            self.sources
                .iter()
                .find(|s| s.key != "id")
                .and_then(|s| object[s.key].as_str())
        })
    }

    /// Is the type one object per tenant ([`Source::singleton`])?
    pub fn is_singleton(&self) -> bool {
        self.sources.iter().any(|s| s.singleton)
    }

    /// Does an object listed from `source` belong to this entry?
    pub fn accepts(&self, source: &Source, object: &Value) -> bool {
        let odata_type = object
            .get("@odata.type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !source.odata_types.is_empty() && !source.odata_types.contains(&odata_type) {
            return false;
        }
        if source.exclude_types.contains(&odata_type) {
            return false;
        }
        if let Some((field, value)) = source.skip_when
            && object.get(field).is_some_and(|v| value.matches(v))
        {
            return false;
        }
        true
    }

    /// Every Graph collection path (`beta/deviceManagement/…`) this entry reads.
    pub fn paths(&self) -> Vec<String> {
        self.sources
            .iter()
            .map(|s| format!("{}/{}", s.version.as_str(), s.collection))
            .collect()
    }
}

/// All catalog entries, in restore order.
pub fn all() -> &'static [CatalogEntry] {
    CATALOG
}

/// The types other objects refer to by id ([`Referenced`]), in restore order.
pub fn referenced() -> impl Iterator<Item = (&'static CatalogEntry, Referenced)> {
    CATALOG.iter().filter_map(|e| e.referenced.map(|r| (e, r)))
}

/// The declared entity type of a collection whose items may be of that very type, which Graph's
/// minimal metadata then answers without `@odata.type` (`docs/graph-variation.md`). Collections of
/// abstract types (device configurations, compliance policies, named locations, …) always carry
/// the derived type and are not listed.
pub fn declared_type(collection: &str) -> Option<&'static str> {
    declared::DECLARED
        .iter()
        .find(|(c, _)| *c == collection)
        .map(|(_, t)| *t)
}

/// Gives an object without `@odata.type` its collection's declared type, so documents, identity,
/// comparison and create bodies are the same whether Graph sent the type or not.
pub fn complete_type(collection: &str, object: &mut serde_json::Value) {
    if let (Some(t), Some(m)) = (declared_type(collection), object.as_object_mut())
        && !m.contains_key("@odata.type")
    {
        m.insert("@odata.type".into(), serde_json::Value::String(t.into()));
    }
}

/// Marks a collection below each object of another in [`Source::collection`]
/// (`deviceManagement/depOnboardingSettings/{parent}/enrollmentProfiles`): read by listing the
/// parents, then each one's children.
pub const PARENT_SEGMENT: &str = "/{parent}/";

/// The property a collection's objects are keyed by when it is not `id` (cross-tenant
/// partners' `tenantId`), from the catalog source that reads the collection.
pub fn key_of(collection: &str) -> Option<&'static str> {
    CATALOG
        .iter()
        .flat_map(|e| e.sources)
        .find(|s| s.collection == collection && s.key != "id")
        .map(|s| s.key)
}

/// Gives an object of a collection keyed by `key` ([`key_of`]) that key as its `id`, the one
/// every document, plan and journal knows objects by.
pub fn complete_key(key: &str, object: &mut serde_json::Value) {
    if let Some(m) = object.as_object_mut()
        && !m.contains_key("id")
        && let Some(k) = m.get(key).cloned()
    {
        m.insert("id".into(), k);
    }
}

/// `Title (key)` of a type, as people read it where there is room; the key alone for unknown ones.
pub fn label(key: &str) -> String {
    get(key).map_or_else(|| key.to_string(), |e| format!("{} ({key})", e.title))
}

/// The entry for a key.
pub fn get(key: &str) -> Option<&'static CatalogEntry> {
    CATALOG.iter().find(|e| e.key == key)
}

/// Properties removed from every type: server-set ids, timestamps and versions, and OData annotations
/// (docs/graph-notes.md, "Read-only fields"). Root `@odata.type` is kept separately as the
/// document's `odataType`.
pub const COMMON_STRIP: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "modifiedDateTime",
    "version",
    "isAssigned",
    "supportsScopeTags",
    "settingCount",
    "highestAvailableVersion",
    "deployedAppCount",
    "secretReferenceValueId",
];

/// Timestamps removed at any depth: they change on every server-side touch and restore cannot set them.
pub const VOLATILE_ANY_DEPTH: &[&str] = &[
    "createdDateTime",
    "lastModifiedDateTime",
    "modifiedDateTime",
];

/// Property names whose string values are secrets wherever they appear (case-insensitive).
pub const SECRET_KEYS: &[&str] = &[
    "password",
    "passphrase",
    "preSharedKey",
    "sharedSecret",
    "sharedKey",
    "clientSecret",
    "privateKey",
    "certificatePassword",
    "wiFiPreSharedKey",
    "wifiPassword",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    #[test]
    fn every_collection_says_whether_its_items_can_omit_their_type() {
        // Collections of abstract types: every item carries its derived `@odata.type`. Any other
        // collection must name its declared type, or minimal-metadata answers lose theirs.
        const ABSTRACT: &[&str] = &[
            "deviceManagement/deviceConfigurations",
            "deviceManagement/deviceCompliancePolicies",
            "deviceManagement/deviceEnrollmentConfigurations",
            "deviceManagement/windowsAutopilotDeploymentProfiles",
            "deviceAppManagement/mobileAppConfigurations",
            "deviceAppManagement/mobileApps",
            "identity/conditionalAccess/namedLocations",
        ];
        for e in all() {
            for s in e.sources {
                assert!(
                    declared_type(s.collection).is_some() ^ ABSTRACT.contains(&s.collection),
                    "{}: {} needs a declared type or a place among the abstract ones",
                    e.key,
                    s.collection
                );
            }
        }
    }

    #[test]
    fn keys_are_unique_and_folder_safe() {
        let mut seen = HashSet::new();
        for e in all() {
            assert!(seen.insert(e.key), "duplicate key {}", e.key);
            assert!(
                e.key.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}",
                e.key
            );
            assert!(!e.sources.is_empty(), "{} has no source", e.key);
        }
    }

    #[test]
    fn design_types_are_all_present() {
        let design = [
            "deviceConfigurations",
            "windowsUpdateRings",
            "settingsCatalog",
            "administrativeTemplates",
            "compliancePolicies",
            "complianceV2",
            "powershellScripts",
            "shellScripts",
            "remediations",
            "customAttributeScripts",
            "featureUpdateProfiles",
            "qualityUpdateProfiles",
            "driverUpdateProfiles",
            "appProtectionPolicies",
            "appConfigurations",
            "autopilotProfiles",
            "enrollmentStatusPages",
            "scopeTags",
            "assignmentFilters",
            "notificationTemplates",
            "namedLocations",
            "conditionalAccess",
            "enrollmentRestrictions",
            "intents",
            // Added since the design (the coverage work).
            "apps",
            "appCategories",
            "reusableSettings",
            "policySets",
            "roleAssignments",
            "brandingProfiles",
            "tunnelSites",
            "appleEnrollmentTokens",
            "authenticationContexts",
            "authenticationStrengths",
            "applePushCertificate",
            "approvalPolicies",
            "authenticationFlowsPolicy",
            "authorizationPolicy",
            "compliancePartners",
            "complianceScripts",
            "crossTenantAccessDefaults",
            "customRoles",
            "deviceManagementPartners",
            "directorySettings",
            "domains",
            "termsOfUse",
            "deviceRegistrationPolicy",
            "managedGooglePlay",
            "mobileThreatDefense",
            "remoteAssistancePartners",
            "securityDefaults",
            "tenantSettings",
            "tunnelConfigurations",
            "vppTokens",
            "androidEnrollmentProfiles",
            "cloudPcProvisioning",
            "cloudPcUserSettings",
            "deviceCategories",
            "termsAndConditions",
            "uploadedAdmxFiles",
            "crossTenantAccessPartners",
            "authenticationMethodsPolicy",
            "appleEnrollmentProfiles",
        ];
        for key in design {
            assert!(get(key).is_some(), "missing catalog entry {key}");
        }
        assert_eq!(all().len(), design.len());
        assert_eq!(
            get("conditionalAccess").unwrap().capability,
            Capability::PreviewOnly
        );
        assert_eq!(
            get("enrollmentRestrictions").unwrap().capability,
            Capability::PreviewOnly
        );
        assert_eq!(get("intents").unwrap().capability, Capability::BackupOnly);
    }

    #[test]
    fn shared_collections_partition_their_objects() {
        // Every object of a collection shared by several entries belongs to exactly one of them.
        let samples = [
            "#microsoft.graph.windowsUpdateForBusinessConfiguration",
            "#microsoft.graph.windows10GeneralConfiguration",
            "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration",
            "#microsoft.graph.deviceEnrollmentLimitConfiguration",
            "#microsoft.graph.deviceEnrollmentPlatformRestrictionConfiguration",
            "#microsoft.graph.deviceEnrollmentWindowsHelloForBusinessConfiguration",
            "#microsoft.graph.somethingIntroducedNextYear",
        ];
        let collections: HashSet<&str> = all()
            .iter()
            .flat_map(|e| e.sources)
            .map(|s| s.collection)
            .collect();
        for collection in collections {
            let sharing: Vec<(&CatalogEntry, &Source)> = all()
                .iter()
                .flat_map(|e| e.sources.iter().map(move |s| (e, s)))
                .filter(|(_, s)| s.collection == collection)
                .collect();
            if sharing.len() < 2 {
                continue;
            }
            for t in samples {
                let obj = serde_json::json!({"@odata.type": t});
                let owners: Vec<&str> = sharing
                    .iter()
                    .filter(|(e, s)| e.accepts(s, &obj))
                    .map(|(e, _)| e.key)
                    .collect();
                assert!(
                    owners.len() <= 1,
                    "{t} in {collection} claimed by {owners:?}"
                );
            }
        }
    }

    #[test]
    fn restore_order_follows_design() {
        let pos = |k: &str| get(k).unwrap().restore_order;
        assert!(pos("scopeTags") < pos("assignmentFilters"));
        assert!(pos("assignmentFilters") < pos("notificationTemplates"));
        assert!(pos("notificationTemplates") < pos("namedLocations"));
        assert!(pos("namedLocations") < pos("deviceConfigurations"));
        assert!(pos("compliancePolicies") < pos("conditionalAccess"));
        let orders: Vec<u8> = all().iter().map(|e| e.restore_order).collect();
        let mut sorted = orders.clone();
        sorted.sort();
        assert_eq!(orders, sorted, "CATALOG is listed in restore order");
    }

    /// Every type comes after the reference data it refers to, so restore creates (and maps) a
    /// referenced object before the objects that name it; one catalog type per reference kind.
    #[test]
    fn reference_data_comes_first_in_restore_order() {
        let mut owners: BTreeMap<RefKind, &str> = BTreeMap::new();
        for (e, r) in referenced() {
            assert!(owners.insert(r.kind, e.key).is_none(), "{:?} twice", r.kind);
        }
        assert_eq!(
            owners.keys().copied().collect::<Vec<_>>(),
            [
                RefKind::AssignmentFilters,
                RefKind::ScopeTags,
                RefKind::MobileApps,
                RefKind::NotificationTemplates,
                RefKind::NamedLocations,
                RefKind::ComplianceScripts,
                RefKind::AuthenticationStrengths,
                RefKind::AppCategories,
                RefKind::ReusableSettings,
                RefKind::Roles,
                RefKind::TunnelConfigurations,
            ]
        );
        for e in all() {
            let mut uses: Vec<RefKind> = e.refs.iter().map(|f| f.kind).collect();
            if e.scope_tags != ScopeTagField::None {
                uses.push(RefKind::ScopeTags);
            }
            // Scope tags are assigned to groups only, never with a filter.
            if e.assignments.is_some() && e.key != "scopeTags" {
                uses.push(RefKind::AssignmentFilters);
            }
            for kind in uses {
                if let Some(owner) = owners.get(&kind).and_then(|k| get(k))
                    && owner.key != e.key
                {
                    assert!(
                        owner.restore_order < e.restore_order,
                        "{} refers to {:?} but is restored before {}",
                        e.key,
                        kind,
                        owner.key
                    );
                }
            }
        }
        let creatable: Vec<&str> = referenced()
            .filter(|(_, r)| r.creatable)
            .map(|(e, _)| e.key)
            .collect();
        assert_eq!(
            creatable,
            [
                "scopeTags",
                "assignmentFilters",
                "notificationTemplates",
                "reusableSettings",
                "appCategories"
            ]
        );
    }
}
