//! The shape of a row of the behaviour table (`behaviour::COLLECTIONS`): the `Coll` struct, the
//! enums its fields take and the questions a handler asks a row. Kept apart from the table so the
//! table file holds the rows and their sources.

/// API version segment of a Graph URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Ver {
    Beta,
    V1,
}

impl Ver {
    pub fn as_str(self) -> &'static str {
        match self {
            Ver::Beta => "beta",
            Ver::V1 => "v1.0",
        }
    }
    pub fn parse(s: &str) -> Option<Ver> {
        match s {
            "beta" => Some(Ver::Beta),
            "v1.0" => Some(Ver::V1),
            _ => None,
        }
    }
}

/// How `POST /{id}/assign` behaves (docs/graph-notes.md, "Writes and their answers", "Assignments",
/// "Autopilot profiles").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Assign {
    /// No assign action on this collection.
    No,
    /// Replace-all assignments under `key`; `value` = answer 200 `{"value":[…]}` else 204.
    Replace { key: &'static str, value: bool },
    /// Autopilot: `assign {deviceIds}` → 204; group assignments via `/{id}/assignments`.
    Devices,
}

/// Server-managed `version` field (docs/graph-notes.md, "Versions and etags").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionKind {
    None,
    Int,
    Str,
}

/// Objects a tenant has from the start, which a clear keeps and a DELETE refuses
/// (docs/graph-notes.md, "Scope tags", "Scripts", "Enrollment configurations").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BuiltIn {
    None,
    /// Scope tag "0" (Default) and any tag marked `isBuiltIn`.
    ScopeTag,
    /// Microsoft-published remediations (`isGlobalScript`).
    GlobalScript,
    /// The default enrollment configurations, known by their id suffixes
    /// ([`DEFAULT_ENROLLMENT`]).
    DefaultEnrollment,
    /// A singleton's one object (docs/ARCHITECTURE.md, "Singletons").
    Singleton,
    /// Microsoft's authentication strengths (`policyType: builtIn`).
    Strength,
    /// Intune's built-in roles (`isBuiltIn`).
    Role,
    /// Microsoft's apps published in every tenant (`appAvailability: global`).
    GlobalApp,
    /// The tenant's default branding profile (`isDefaultProfile`).
    DefaultProfile,
}

impl BuiltIn {
    /// The flag Graph sets on built-in objects (false on created ones).
    pub fn flag(self) -> Option<&'static str> {
        match self {
            BuiltIn::ScopeTag | BuiltIn::Role => Some("isBuiltIn"),
            BuiltIn::GlobalScript => Some("isGlobalScript"),
            BuiltIn::DefaultProfile => Some("isDefaultProfile"),
            BuiltIn::None
            | BuiltIn::DefaultEnrollment
            | BuiltIn::Singleton
            | BuiltIn::Strength
            | BuiltIn::GlobalApp => None,
        }
    }
}

/// Suffixes of the default enrollment configurations' ids (docs/graph-notes.md, "Enrollment
/// configurations").
pub(crate) const DEFAULT_ENROLLMENT: &[&str] = &[
    "_DefaultLimit",
    "_DefaultPlatformRestrictions",
    "_DefaultWindowsHelloForBusiness",
    "_DefaultWindows10EnrollmentCompletionPageConfiguration",
    "_WindowsRestore",
];

/// What an assignment target may name from this collection (checked when
/// `check_assignment_references` is on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    No,
    /// `target.groupId`.
    Group,
    /// `target.deviceAndAppManagementAssignmentFilterId`.
    Filter,
}

/// What `$expand=assignments` answers (docs/graph-notes.md, "Assignments").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExpandAssignments {
    /// The stored assignments.
    Stored,
    /// Empty on a by-id GET, the stored ones in lists (configurationPolicies).
    EmptyById,
    /// Always empty (scope tags).
    Empty,
}

/// One Graph collection as the emulator serves it.
#[derive(Debug)]
pub(crate) struct Coll {
    /// Path below the version, e.g. `deviceManagement/deviceConfigurations`.
    pub path: &'static str,
    /// The version objects are stored (and dumped) under.
    pub primary: Ver,
    /// Served under both versions (same store).
    pub both: bool,
    /// `@odata.type` of the entity when the collection is not polymorphic (or its base type).
    pub base_type: &'static str,
    /// Root `@odata.type` required on create
    /// (docs/graph-notes.md, "Minimal metadata and @odata.type").
    pub polymorphic: bool,
    /// Substring every created `@odata.type` must contain ("" = no check).
    pub type_hint: &'static str,
    pub read_role: &'static str,
    /// All roles required to write (docs/graph-notes.md, "Permissions").
    pub write_roles: &'static [&'static str],
    /// Default page size of lists (docs/graph-notes.md, "Reading settings catalog policies",
    /// "Paging").
    pub page: usize,
    /// Navigation properties stored inline in the seed, omitted unless expanded.
    pub navs: &'static [&'static str],
    /// Lazy fields omitted from lists (docs/graph-notes.md, "Scripts").
    pub lazy: &'static [&'static str],
    /// Other fields only a GET by id answers (apps' icon and scope tags, docs/graph-notes.md,
    /// "Apps").
    pub list_omits: &'static [&'static str],
    /// Fields answered only when `$select` names them (reusable settings' `settingInstance`,
    /// docs/graph-notes.md, "Reusable settings").
    pub select_only: &'static [&'static str],
    /// PATCH success status: 204 or 200 + object (docs/graph-notes.md, "Writes and their answers",
    /// IntuneCD values).
    pub patch: u16,
    /// DELETE success status (docs/graph-notes.md, "Writes and their answers").
    pub delete: u16,
    /// `PUT /{id}` replaces the whole object incl. settings → 204 (docs/graph-notes.md, "Writing
    /// settings catalog policies").
    pub put: bool,
    pub assign: Assign,
    pub version: VersionKind,
    /// Ids are numeric strings (roleScopeTags, docs/graph-notes.md, "Scope tags") instead of GUIDs.
    pub numeric_id: bool,
    /// Status for GET/DELETE of a missing id (400 on configurationPolicies, docs/graph-notes.md,
    /// "Reading settings catalog policies").
    pub missing: u16,
    /// The timestamps every write sets: `lastModifiedDateTime`, `modifiedDateTime` on CA
    /// (docs/graph-notes.md, "Conditional Access and named locations"), both on terms and
    /// conditions, none on device categories.
    pub modified: &'static [&'static str],
    /// Has `createdDateTime`.
    pub created: bool,
    /// Collection-specific read-only fields dropped from write bodies.
    pub read_only: &'static [&'static str],
    /// Accepts writes at all.
    pub writable: bool,
    /// PATCH must carry the root `@odata.type` (named locations: docs/graph-notes.md, "Conditional
    /// Access and named locations"; deviceConfigurations and compliance: UNVERIFIED, tools always
    /// send it).
    pub patch_type: bool,
    /// Fields a PATCH must omit: present → 400 (docs/graph-notes.md, "Enrollment configurations").
    pub patch_refused: &'static [&'static str],
    /// Fields that cannot change after create: a PATCH with a different value → 400
    /// (docs/graph-notes.md, "Assignment filters"; refusing only a change, not an equal value, is
    /// UNVERIFIED).
    pub immutable: &'static [&'static str],
    /// Group assignments are sub-resources written one target at a time: `POST /{id}/assignments`
    /// → 201, `DELETE /{id}/assignments/{aid}` (docs/graph-notes.md, "Autopilot profiles", "Terms
    /// and conditions").
    pub per_target: bool,
    /// Assignments carry `source` and `sourceId` (every Intune assignment model but terms and
    /// conditions', docs/graph-notes.md, "Terms and conditions").
    pub assignment_source: bool,
    /// Built-in objects of the collection (kept by a clear, refused by DELETE).
    pub built_in: BuiltIn,
    /// Reference data: kept by a clear, copied by `TenantSeed::references_copy`, never backed up.
    pub reference_data: bool,
    /// Reference-like objects restore maps by name (docs/graph-notes.md, "Restore order"):
    /// copied with new ids by `TenantSeed::references_copy`.
    pub mapped_by_name: bool,
    /// Ids are the same in every tenant (built-in ADMX, settings catalog definitions).
    pub stable_ids: bool,
    /// The collection `definitionValues` bind into; definitions inlined in a seed's
    /// definitionValues become known there (docs/graph-notes.md, "Administrative templates").
    pub definitions: Option<&'static str>,
    /// The collection objects created from this one live in (`createInstance`, counted as
    /// `intentCount`; docs/graph-notes.md, "Intents").
    pub instances: Option<&'static str>,
    /// `scheduledActionsForRule` needs exactly one `block` action on create and is replaced by the
    /// `scheduleActionsForRules` action (docs/graph-notes.md, "Compliance policies").
    pub block_rule: bool,
    /// `GET /{id}/scheduledActionsForRule` answers 400: read it by `$expand` (docs/graph-notes.md,
    /// "Compliance policies").
    pub rules_by_expand_only: bool,
    /// `priority` is set by the server on create (after the highest) and changed only by the
    /// `setPriority` action (docs/graph-notes.md, "Enrollment configurations").
    pub set_priority: bool,
    /// A created object gets its type from the server (`deviceEnrollmentConfigurationType`) and an
    /// id naming it, `<guid>_<Type>` (docs/graph-notes.md, "Enrollment configurations").
    pub typed_ids: bool,
    /// Has the `updateSettings` action (docs/graph-notes.md, "Intents").
    pub update_settings: bool,
    /// What assignment targets may name from this collection.
    pub target: Target,
    /// Created objects get `roleScopeTagIds: ["0"]` when the body names none (Intune policy
    /// collections; docs/graph-notes.md, "Scope tags").
    pub scope_tags: bool,
    /// The server counts settings (`settingCount`) and sets `isAssigned: false` on create
    /// (docs/graph-notes.md, "Writing settings catalog policies").
    pub counts_settings: bool,
    /// String properties the server fills on create when the body leaves them out.
    pub create_defaults: &'static [(&'static str, &'static str)],
    /// What `$expand=assignments` answers.
    pub expand_assignments: ExpandAssignments,
    /// Lists accept `$expand` (not targetedManagedAppConfigurations: 400).
    pub list_expand: bool,
    /// `GET /{id}/assignments` has a route (not on shell scripts: 400, docs/graph-notes.md,
    /// "Assignments").
    pub assignments_route: bool,
    /// A directory collection: `$count` and `$search` need `ConsistencyLevel: eventual`
    /// (docs/graph-variation.md, "Requests other clients send").
    pub advanced_query: bool,
    /// Shown through `behaviour::MANAGED_APP_POLICIES` (docs/graph-notes.md, "App protection policies").
    pub managed_app_policy: bool,
    /// Lists say they return a subset of the properties (`@microsoft.graph.tips`,
    /// docs/graph-notes.md, "Reading settings catalog policies").
    pub list_tip: bool,
    /// The path is one object, not a collection: GET and PATCH of the path itself, nothing else
    /// (docs/ARCHITECTURE.md, "Singletons"). Its seed object is built in: a clear keeps it.
    pub singleton: bool,
    /// In beta the singleton is a one-object collection (the authorization policy: `{"value":
    /// [{…, "id": "authorizationPolicy"}]}`), also addressable by that id; v1.0 answers the object
    /// (docs/graph-notes.md, "Entra tenant policies").
    pub beta_collection: bool,
    /// A created object's `displayName` is its template's (directory settings,
    /// [`DIRECTORY_SETTING_TEMPLATES`]).
    pub named_by_template: bool,
    /// The client names new objects (`c1`…`c99`): a create takes the body's `id` (409 when taken,
    /// 400 outside the range), and a PATCH of a free id creates it (docs/graph-notes.md,
    /// "Authentication contexts").
    pub client_ids: bool,
    /// Navigations answered inline without `$expand` and also as their own route (authentication
    /// strengths' `combinationConfigurations`).
    pub inline_navs: &'static [&'static str],
    /// Authentication strengths: `updateAllowedCombinations`, combination configurations as a
    /// sub-collection, `allowedCombinations` refused by PATCH (docs/graph-notes.md,
    /// "Authentication strengths").
    pub strength: bool,
    /// Apps: categories by `$ref`, `updateRelationships`, the service's counts and states
    /// (docs/graph-notes.md, "Apps").
    pub apps: bool,
    /// Policy sets: items created with the set, the `update` action (docs/graph-notes.md,
    /// "Policy sets").
    pub policy_sets: bool,
    /// Single-valued navigations a create sets by `<nav>@odata.bind` to an object of another
    /// collection (role assignments' role, docs/graph-notes.md, "Role assignments"); an unknown
    /// object answers 400.
    pub binds: &'static [(&'static str, &'static str)],
    /// Properties answered only by their own GET (`/{id}/{property}`), never in the object
    /// (branding images, docs/graph-notes.md, "Branding profiles"; a Tunnel site's configuration).
    pub property_routes: &'static [&'static str],
    /// Of those, the ones a create may not carry (branding images: created, then PATCHed).
    pub create_refused: &'static [&'static str],
    /// Single-valued links written inline as `{"id": …}` to an object of another collection (a
    /// Tunnel site's configuration, docs/graph-notes.md, "Microsoft Tunnel"); an unknown one
    /// answers 400.
    pub links: &'static [(&'static str, &'static str)],
    /// Properties that address an object in place of its id, `{path}(appId='…')` (service
    /// principals, docs/graph-notes.md, "Conditional Access and named locations").
    pub alternate_keys: &'static [&'static str],
    /// The property that is the object's key, when it is not `id` (cross-tenant partners'
    /// `tenantId`, docs/graph-notes.md, "Cross-tenant access partners"): a create takes it from
    /// the body (409 when taken), the object is addressed by it and answered without `id`.
    pub key: &'static str,
    /// Dotted paths a PATCH of a singleton's child may not name: the service keeps them (number
    /// matching in the Authenticator's configuration, docs/graph-notes.md, "Authentication
    /// methods policy").
    pub child_refused: &'static [&'static str],
}

/// The directory setting templates (global ids, the same in every tenant) and their names
/// (docs/graph-notes.md, "Directory settings").
pub(crate) const DIRECTORY_SETTING_TEMPLATES: &[(&str, &str)] = &[
    ("62375ab9-6b52-47ed-826b-58e47e0e304b", "Group.Unified"),
    (
        "08d542b9-071f-4e16-94b0-74abb372e3d9",
        "Group.Unified.Guest",
    ),
    (
        "5cf42378-d67d-4f36-ba46-e8b86229381d",
        "Password Rule Settings",
    ),
    ("4bc7f740-180e-4586-adb6-38b2e9024e6b", "Application"),
    (
        "dffd5d46-495d-40a9-8e21-954ff55e198a",
        "Consent Policy Settings",
    ),
    (
        "aad3907d-1d1a-448b-b3ef-7bf7f63db63b",
        "Prohibited Names Settings",
    ),
    (
        "898f1161-d651-43d1-805c-3b0b388a9fc2",
        "Custom Policy Settings",
    ),
];

impl Coll {
    /// Whether `id` names one of the default enrollment configurations of this collection.
    pub fn is_default_enrollment(&self, id: &str) -> bool {
        self.built_in == BuiltIn::DefaultEnrollment
            && DEFAULT_ENROLLMENT.iter().any(|s| id.ends_with(s))
    }

    /// Whether `obj` is one of the objects a tenant has from the start and Graph will not delete.
    pub fn is_built_in(&self, obj: &serde_json::Value) -> bool {
        let id = obj["id"].as_str().unwrap_or_default();
        match self.built_in {
            BuiltIn::None => false,
            BuiltIn::ScopeTag => id == "0" || obj["isBuiltIn"] == true,
            BuiltIn::GlobalScript => obj["isGlobalScript"] == true,
            BuiltIn::DefaultEnrollment => self.is_default_enrollment(id),
            BuiltIn::Singleton => true,
            BuiltIn::Strength => obj["policyType"] == "builtIn",
            BuiltIn::Role => obj["isBuiltIn"] == true,
            BuiltIn::GlobalApp => obj["appAvailability"] == "global",
            BuiltIn::DefaultProfile => obj["isDefaultProfile"] == true,
        }
    }
}
