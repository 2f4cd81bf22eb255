//! Catalog entries — Entra: named locations, the tenant policies, authentication strengths, contexts and methods,
//! cross-tenant access, directory settings, terms of use, domains and Conditional Access.

use super::*;

// docs/graph-notes.md, "Conditional Access and named locations"
pub(super) const NAMED_LOCATIONS: CatalogEntry = CatalogEntry {
    assignments: None,
    scope_tags: ScopeTagField::None,
    sets: &[
        SetRule {
            path: "ipRanges",
            key: Some("cidrAddress"),
        },
        SetRule {
            path: "countriesAndRegions",
            key: None,
        },
    ],
    read_permission: "Policy.Read.All",
    write_permission: "Policy.ReadWrite.ConditionalAccess, Policy.Read.All",
    referenced: Some(Referenced {
        kind: RefKind::NamedLocations,
        creatable: false,
        whole: true,
    }),
    restore_order: 40,
    ..policy(
        "namedLocations",
        "Named locations (Entra)",
        &[source(V1, "identity/conditionalAccess/namedLocations", "")],
    )
};

// docs/graph-notes.md, "Entra tenant policies"
pub(super) const AUTHORIZATION_POLICY: CatalogEntry = CatalogEntry {
    name: fixed_name("Authorization policy"),
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: ENTRA_POLICY_TEXT,
    read_permission: "Policy.Read.All",
    write_permission: "Policy.ReadWrite.Authorization",
    restore_order: 85,
    ..policy(
        "authorizationPolicy",
        "Authorization policy (Entra)",
        &[singleton(BETA, "policies/authorizationPolicy", "")],
    )
};

pub(super) const AUTHENTICATION_FLOWS_POLICY: CatalogEntry = CatalogEntry {
    name: fixed_name("Authentication flows policy"),
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: ENTRA_POLICY_TEXT,
    read_permission: "Policy.Read.All",
    write_permission: "Policy.ReadWrite.AuthenticationFlows",
    restore_order: 85,
    ..policy(
        "authenticationFlowsPolicy",
        "Authentication flows policy (Entra)",
        &[singleton(V1, "policies/authenticationFlowsPolicy", "")],
    )
};

pub(super) const DEVICE_REGISTRATION_POLICY: CatalogEntry = CatalogEntry {
    name: fixed_name("Device registration policy"),
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: ENTRA_POLICY_TEXT,
    sets: &[
        SetRule {
            path: "**.groups",
            key: None,
        },
        SetRule {
            path: "**.users",
            key: None,
        },
    ],
    refs: &[RefField {
        path: "**.groups",
        kind: RefKind::Groups,
    }],
    read_permission: "Policy.Read.DeviceConfiguration",
    write_permission: "Policy.ReadWrite.DeviceConfiguration",
    restore_order: 85,
    write: WriteRule {
        update: UpdateMethod::Put,
        ..PATCH
    },
    ..policy(
        "deviceRegistrationPolicy",
        "Device registration policy (Entra)",
        &[singleton(BETA, "policies/deviceRegistrationPolicy", "")],
    )
};

pub(super) const SECURITY_DEFAULTS: CatalogEntry = CatalogEntry {
    name: fixed_name("Security defaults"),
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: ENTRA_POLICY_TEXT,
    read_permission: "Policy.Read.All",
    write_permission: "Policy.ReadWrite.ConditionalAccess",
    restore_order: 85,
    ..policy(
        "securityDefaults",
        "Security defaults (Entra)",
        &[singleton(
            V1,
            "policies/identitySecurityDefaultsEnforcementPolicy",
            "",
        )],
    )
};

// docs/graph-notes.md, "Authentication strengths"
pub(super) const AUTHENTICATION_STRENGTHS: CatalogEntry = CatalogEntry {
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: &[
        "policyType",
        "requirementsSatisfied",
        "combinationConfigurations[].id",
    ],
    sets: &[
        SetRule {
            path: "allowedCombinations",
            key: None,
        },
        SetRule {
            path: "combinationConfigurations",
            key: None,
        },
    ],
    read_permission: "Policy.Read.All",
    write_permission: "Policy.ReadWrite.ConditionalAccess",
    referenced: Some(Referenced {
        kind: RefKind::AuthenticationStrengths,
        creatable: false,
        whole: true,
    }),
    restore_order: 85,
    write: WriteRule {
        actions: &[
            FollowUp::AllowedCombinations("allowedCombinations"),
            FollowUp::CombinationConfigurations("combinationConfigurations"),
        ],
        ..PATCH
    },
    ..policy(
        "authenticationStrengths",
        "Authentication strengths (Entra)",
        &[Source {
            // Microsoft's three built-in strengths are the same in every tenant and cannot be
            // written: named in `_refs/`, not backed up.
            skip_when: Some(("policyType", SkipValue::Str(&["builtIn"]))),
            ..source(V1, "policies/authenticationStrengthPolicies", "")
        }],
    )
};

// docs/graph-notes.md, "Authentication contexts"
pub(super) const AUTHENTICATION_CONTEXTS: CatalogEntry = CatalogEntry {
    assignments: None,
    scope_tags: ScopeTagField::None,
    read_permission: "Policy.Read.All",
    write_permission: "Policy.ReadWrite.ConditionalAccess",
    restore_order: 85,
    write: WriteRule {
        client_ids: true,
        ..PATCH
    },
    ..policy(
        "authenticationContexts",
        "Authentication contexts (Entra)",
        &[source(
            BETA,
            "identity/conditionalAccess/authenticationContextClassReferences",
            "",
        )],
    )
};

// docs/graph-notes.md, "Entra tenant policies" (cross-tenant access)
pub(super) const CROSS_TENANT_ACCESS_DEFAULTS: CatalogEntry = CatalogEntry {
    name: fixed_name("Cross-tenant access defaults"),
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: &["isServiceDefault"],
    refs: CROSS_TENANT_REFS,
    read_permission: "Policy.Read.All",
    write_permission: "Policy.ReadWrite.CrossTenantAccess",
    restore_order: 85,
    ..policy(
        "crossTenantAccessDefaults",
        "Cross-tenant access default settings (Entra)",
        &[singleton(
            V1,
            "policies/crossTenantAccessPolicy/default",
            "",
        )],
    )
};

// docs/graph-notes.md, "Authentication methods policy"
pub(super) const AUTHENTICATION_METHODS_POLICY: CatalogEntry = CatalogEntry {
    name: fixed_name("Authentication methods policy"),
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: &[
        "displayName",
        "description",
        "policyVersion",
        // Number matching is always on; a write that names it is refused.
        "authenticationMethodConfigurations[].featureSettings.numberMatchingRequiredState",
    ],
    sets: &[
        SetRule {
            path: "authenticationMethodConfigurations",
            key: Some("id"),
        },
        SetRule {
            path: "**.includeTargets",
            key: Some("id"),
        },
        SetRule {
            path: "**.excludeTargets",
            key: Some("id"),
        },
    ],
    // Every target of type group, at any depth: the methods' include and exclude targets,
    // their feature settings', the registration campaign's and the system-preferred
    // method's. `all_users` and the all-zero id are words.
    refs: &[RefField {
        path: "**[targetType=group].id",
        kind: RefKind::Groups,
    }],
    read_permission: "Policy.Read.All",
    write_permission: "Policy.ReadWrite.AuthenticationMethod",
    restore_order: 85,
    write: WriteRule {
        // Moving between the legacy MFA/SSPR policies and this one is a decision made in
        // the portal, not something a restore undoes.
        fixed: &["policyMigrationState"],
        update_omit: &["policyMigrationState"],
        actions: &[FollowUp::PatchEach("authenticationMethodConfigurations")],
        ..PATCH
    },
    ..policy(
        "authenticationMethodsPolicy",
        "Authentication methods policy (Entra)",
        &[singleton(V1, "policies/authenticationMethodsPolicy", "")],
    )
};

// docs/graph-notes.md, "Cross-tenant access partners"
pub(super) const CROSS_TENANT_ACCESS_PARTNERS: CatalogEntry = CatalogEntry {
    // A partner has no name of its own: it is known by its tenant id.
    name: NameRule::Derived {
        fields: &["tenantId"],
        known: &[],
        otherwise: "Cross-tenant partner",
    },
    assignments: None,
    scope_tags: ScopeTagField::None,
    // Set by the service (multi-tenant organization membership) or writable only by a person
    // (service provider): an application's write of either is refused.
    strip: &[
        "isInMultiTenantOrganization",
        "isServiceProvider",
        "deletedDateTime",
    ],
    sets: &[SetRule {
        path: "**.targets",
        key: None,
    }],
    refs: CROSS_TENANT_REFS,
    read_permission: "Policy.Read.All",
    write_permission: "Policy.ReadWrite.CrossTenantAccess",
    restore_order: 85,
    write: WriteRule {
        update_omit: &["tenantId"],
        ..PATCH
    },
    ..policy(
        "crossTenantAccessPartners",
        "Cross-tenant access partner settings (Entra)",
        &[Source {
            key: "tenantId",
            ..source(V1, "policies/crossTenantAccessPolicy/partners", "")
        }],
    )
};

// docs/graph-notes.md, "Directory settings"
pub(super) const DIRECTORY_SETTINGS: CatalogEntry = CatalogEntry {
    name: NameRule::Derived {
        fields: &["displayName", "templateId"],
        known: &[],
        otherwise: "Directory setting",
    },
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: &["displayName"],
    sets: &[SetRule {
        path: "values",
        key: Some("name"),
    }],
    // The one value that names an object: the group allowed to create Microsoft 365 groups.
    refs: &[RefField {
        path: "values[name=GroupCreationAllowedGroupId].value",
        kind: RefKind::Groups,
    }],
    read_permission: "Directory.Read.All",
    write_permission: "Directory.ReadWrite.All",
    restore_order: 85,
    write: WriteRule {
        fixed: &["templateId"],
        ..PATCH
    },
    ..policy(
        "directorySettings",
        "Directory settings (Entra groups, passwords, consent)",
        &[source(BETA, "settings", "")],
    )
};

// docs/graph-notes.md, "Terms of use"
pub(super) const TERMS_OF_USE: CatalogEntry = CatalogEntry {
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: &["files[].id", "files[].createdDateTime", "files[].fileData"],
    sets: &[SetRule {
        path: "files",
        key: Some("language"),
    }],
    capability: Capability::BackupOnly,
    read_permission: "Agreement.Read.All",
    write_permission: "Agreement.ReadWrite.All",
    restore_order: 85,
    ..policy(
        "termsOfUse",
        "Terms of use (Entra)",
        &[source(
            V1,
            "identityGovernance/termsOfUse/agreements",
            "$expand=files",
        )],
    )
};

// docs/graph-notes.md, "Domains"
pub(super) const DOMAINS: CatalogEntry = CatalogEntry {
    name: NameRule::Derived {
        fields: &["id"],
        known: &[],
        otherwise: "Domain",
    },
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: &["state", "availabilityStatus"],
    capability: Capability::BackupOnly,
    read_permission: "Domain.Read.All",
    write_permission: "Domain.ReadWrite.All",
    restore_order: 85,
    ..policy("domains", "Domains (Entra)", &[source(V1, "domains", "")])
};

// docs/graph-notes.md, "Conditional Access and named locations"
pub(super) const CONDITIONAL_ACCESS: CatalogEntry = CatalogEntry {
    scope_tags: ScopeTagField::None,
    assignments: None,
    strip: &["templateId"],
    sets: CA_SETS,
    refs: &[
        RefField {
            path: "conditions.users.includeGroups",
            kind: RefKind::Groups,
        },
        RefField {
            path: "conditions.users.excludeGroups",
            kind: RefKind::Groups,
        },
        RefField {
            path: "conditions.users.includeUsers",
            kind: RefKind::Users,
        },
        RefField {
            path: "conditions.users.excludeUsers",
            kind: RefKind::Users,
        },
        RefField {
            path: "conditions.users.includeRoles",
            kind: RefKind::DirectoryRoles,
        },
        RefField {
            path: "conditions.users.excludeRoles",
            kind: RefKind::DirectoryRoles,
        },
        RefField {
            path: "conditions.applications.includeApplications",
            kind: RefKind::Applications,
        },
        RefField {
            path: "conditions.applications.excludeApplications",
            kind: RefKind::Applications,
        },
        RefField {
            path: "conditions.locations.includeLocations",
            kind: RefKind::NamedLocations,
        },
        RefField {
            path: "conditions.locations.excludeLocations",
            kind: RefKind::NamedLocations,
        },
        RefField {
            path: "grantControls.termsOfUse",
            kind: RefKind::Agreements,
        },
        RefField {
            path: "grantControls.authenticationStrength.id",
            kind: RefKind::AuthenticationStrengths,
        },
    ],
    // Graph answers the whole strength inline; the policy keeps the reference.
    project: &[("grantControls.authenticationStrength", &["id"])],
    capability: Capability::PreviewOnly,
    read_permission: "Policy.Read.All",
    write_permission: "Policy.ReadWrite.ConditionalAccess, Policy.Read.All, Application.Read.All",
    restore_order: 90,
    ..policy(
        "conditionalAccess",
        "Conditional Access policies (Entra)",
        &[source(V1, "identity/conditionalAccess/policies", "")],
    )
};
