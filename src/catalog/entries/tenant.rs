//! Catalog entries — Tenant administration: scope tags, filters, notification templates, reusable settings, compliance scripts,
//! categories, terms, roles and their assignments, branding, approval, Windows 365, Tunnel, tenant settings,
//! uploaded ADMX files.

use super::*;

// docs/graph-notes.md, "Scope tags"
pub(super) const SCOPE_TAGS: CatalogEntry = CatalogEntry {
    scope_tags: ScopeTagField::None,
    strip: &["isBuiltIn"],
    read_permission: "DeviceManagementRBAC.Read.All",
    write_permission: "DeviceManagementRBAC.ReadWrite.All",
    referenced: Some(Referenced {
        kind: RefKind::ScopeTags,
        creatable: true,
        whole: true,
    }),
    restore_order: 10,
    ..policy(
        "scopeTags",
        "Scope tags",
        &[Source {
            skip_when: Some(("isBuiltIn", SkipValue::Bool(true))),
            navs: &[Nav {
                path: "assignments",
                query: "",
                complete: None,
                property: false,
            }],
            ..source(BETA, "deviceManagement/roleScopeTags", "")
        }],
    )
};

// docs/graph-notes.md, "Assignment filters"
pub(super) const ASSIGNMENT_FILTERS: CatalogEntry = CatalogEntry {
    write: WriteRule {
        update_omit: &["platform", "payloads"],
        fixed: &["platform"],
        ..PATCH
    },
    scope_tags: ScopeTagField::RoleScopeTags,
    assignments: None,
    strip: &["payloads"],
    referenced: Some(Referenced {
        kind: RefKind::AssignmentFilters,
        creatable: true,
        whole: true,
    }),
    restore_order: 20,
    ..policy(
        "assignmentFilters",
        "Assignment filters",
        &[source(BETA, "deviceManagement/assignmentFilters", "")],
    )
};

// docs/graph-notes.md, "Notification templates"
pub(super) const NOTIFICATION_TEMPLATES: CatalogEntry = CatalogEntry {
    write: WriteRule {
        actions: &[FollowUp::LocalizedMessages("localizedNotificationMessages")],
        ..PATCH
    },
    assignments: None,
    sets: &[SetRule {
        path: "localizedNotificationMessages",
        key: Some("locale"),
    }],
    strip: &["localizedNotificationMessages[].id"],
    read_permission: SERVICE_READ,
    write_permission: SERVICE_WRITE,
    referenced: Some(Referenced {
        kind: RefKind::NotificationTemplates,
        creatable: true,
        whole: true,
    }),
    restore_order: 30,
    ..policy(
        "notificationTemplates",
        "Compliance notification templates",
        &[source(
            BETA,
            "deviceManagement/notificationMessageTemplates",
            "$expand=localizedNotificationMessages",
        )],
    )
};

// docs/graph-notes.md, "Reusable settings"
pub(super) const REUSABLE_SETTINGS: CatalogEntry = CatalogEntry {
    assignments: None,
    scope_tags: ScopeTagField::None,
    strip: &["referencingConfigurationPolicyCount"],
    sets: &[SetRule {
        path: "**.children",
        key: Some("settingDefinitionId"),
    }],
    referenced: Some(Referenced {
        kind: RefKind::ReusableSettings,
        creatable: true,
        whole: true,
    }),
    restore_order: 44,
    ..policy(
        "reusableSettings",
        "Reusable settings (firewall address groups, device control groups, …)",
        &[source(
            BETA,
            "deviceManagement/reusablePolicySettings",
            REUSABLE_QUERY,
        )],
    )
};

// docs/graph-notes.md, "Compliance scripts"
pub(super) const COMPLIANCE_SCRIPTS: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
    sidecars: &[SidecarField {
        field: "detectionScriptContent",
        ext: "ps1",
        label: None,
        file_name_field: None,
    }],
    assignments: Some(AssignmentRule {
        assign_key: "deviceHealthScriptAssignments",
        write: AssignWrite::AssignAction,
    }),
    referenced: Some(Referenced {
        kind: RefKind::ComplianceScripts,
        creatable: false,
        whole: true,
    }),
    restore_order: 45,
    ..policy(
        "complianceScripts",
        "Compliance scripts (custom compliance discovery)",
        &[script_source("deviceManagement/deviceComplianceScripts")],
    )
};

// docs/graph-notes.md, "Uploaded ADMX files"
pub(super) const UPLOADED_ADMX_FILES: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
    name: NameRule::Derived {
        fields: &["fileName", "displayName"],
        known: &[],
        otherwise: "ADMX file",
    },
    assignments: None,
    scope_tags: ScopeTagField::None,
    // The upload's state and its operations change on their own; Graph never answers the
    // content (null) or the language files (empty).
    strip: &[
        "status",
        "uploadDateTime",
        "content",
        "groupPolicyUploadedLanguageFiles",
        "groupPolicyOperations",
    ],
    sets: &[SetRule {
        path: "languageCodes",
        key: None,
    }],
    // Graph never answers the ADMX and ADML content, so a backup cannot hold what a restore
    // would upload.
    capability: Capability::BackupOnly,
    restore_order: 50,
    ..policy(
        "uploadedAdmxFiles",
        "Uploaded ADMX files (custom administrative templates)",
        &[source(
            BETA,
            "deviceManagement/groupPolicyUploadedDefinitionFiles",
            "",
        )],
    )
};

// docs/graph-notes.md, "Device categories"
pub(super) const DEVICE_CATEGORIES: CatalogEntry = CatalogEntry {
    assignments: None,
    ..policy(
        "deviceCategories",
        "Device categories",
        &[source(BETA, "deviceManagement/deviceCategories", "")],
    )
};

// docs/graph-notes.md, "Terms and conditions"
pub(super) const TERMS_AND_CONDITIONS: CatalogEntry = CatalogEntry {
    assignments: Some(AssignmentRule {
        assign_key: "assignments",
        write: AssignWrite::PerTarget,
    }),
    read_permission: SERVICE_READ,
    write_permission: SERVICE_WRITE,
    ..policy(
        "termsAndConditions",
        "Terms and conditions",
        &[Source {
            navs: &[Nav {
                path: "assignments",
                query: "",
                complete: None,
                property: false,
            }],
            ..source(BETA, "deviceManagement/termsAndConditions", "")
        }],
    )
};

// docs/graph-notes.md, "Custom roles"
pub(super) const CUSTOM_ROLES: CatalogEntry = CatalogEntry {
    assignments: None,
    strip: &[
        "isBuiltIn",
        "isBuiltInRoleDefinition",
        "permissions",
        "rolePermissions[].actions",
    ],
    sets: &[SetRule {
        path: "rolePermissions[].resourceActions[].allowedResourceActions",
        key: None,
    }],
    read_permission: RBAC_READ,
    write_permission: RBAC_WRITE,
    // Role assignments name roles, Microsoft's too: those are found through the reference
    // list, which holds every role.
    referenced: Some(Referenced {
        kind: RefKind::Roles,
        creatable: false,
        whole: false,
    }),
    ..policy(
        "customRoles",
        "Intune custom roles",
        &[Source {
            // Microsoft's roles are the same in every tenant and cannot be written.
            skip_when: Some(("isBuiltIn", SkipValue::Bool(true))),
            ..source(BETA, "deviceManagement/roleDefinitions", "")
        }],
    )
};

// docs/graph-notes.md, "Branding profiles"
pub(super) const BRANDING_PROFILES: CatalogEntry = CatalogEntry {
    name: NameRule::Property {
        field: "profileName",
    },
    write: WriteRule {
        update_omit: &["isDefaultProfile", "disableClientTelemetry"],
        create_later: BRANDING_IMAGES,
        no_create: &[NoCreate {
            field: "isDefaultProfile",
            when: SkipValue::Bool(true),
            reason: "every tenant has its one default profile: restore updates it there, \
                     never creates another",
        }],
        ..PATCH
    },
    sidecars: &[
        image("themeColorLogo.value", "logo"),
        image("lightBackgroundLogo.value", "light-logo"),
        image("landingPageCustomizedImage.value", "landing"),
    ],
    sets: &[SetRule {
        path: "companyPortalBlockedActions",
        key: None,
    }],
    read_permission: APPS_READ,
    write_permission: APPS_WRITE,
    ..policy(
        "brandingProfiles",
        "Company Portal branding profiles",
        &[Source {
            hydrate: Some("$expand=assignments"),
            navs: &[
                property_nav("themeColorLogo"),
                property_nav("lightBackgroundLogo"),
                property_nav("landingPageCustomizedImage"),
            ],
            ..source(BETA, "deviceManagement/intuneBrandingProfiles", "")
        }],
    )
};

// docs/graph-notes.md, "Multi-admin approval policies"
pub(super) const APPROVAL_POLICIES: CatalogEntry = CatalogEntry {
    assignments: None,
    scope_tags: ScopeTagField::None,
    sets: &[SetRule {
        path: "approverGroupIds",
        key: None,
    }],
    refs: &[RefField {
        path: "approverGroupIds",
        kind: RefKind::Groups,
    }],
    read_permission: RBAC_READ,
    write_permission: RBAC_WRITE,
    ..policy(
        "approvalPolicies",
        "Multi-admin approval policies",
        &[source(
            BETA,
            "deviceManagement/operationApprovalPolicies",
            "",
        )],
    )
};

// docs/graph-notes.md, "Windows 365 Cloud PC"
pub(super) const CLOUD_PC_PROVISIONING: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
    scope_tags: ScopeTagField::ScopeIds,
    strip: &[
        "alternateResourceUrl",
        "cloudPcGroupDisplayName",
        "createdBy",
        "lastModifiedBy",
        "gracePeriodInHours",
        "domainJoinConfigurations[].geographicLocationType",
    ],
    read_permission: CLOUD_PC_READ,
    write_permission: CLOUD_PC_WRITE,
    write: WriteRule {
        fixed: &["provisioningType", "userExperienceType"],
        ..PATCH
    },
    ..policy(
        "cloudPcProvisioning",
        "Windows 365 provisioning policies",
        &[source(
            BETA,
            "deviceManagement/virtualEndpoint/provisioningPolicies",
            "$expand=assignments",
        )],
    )
};

pub(super) const CLOUD_PC_USER_SETTINGS: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
    scope_tags: ScopeTagField::None,
    read_permission: CLOUD_PC_READ,
    write_permission: CLOUD_PC_WRITE,
    ..policy(
        "cloudPcUserSettings",
        "Windows 365 user settings",
        &[source(
            BETA,
            "deviceManagement/virtualEndpoint/userSettings",
            "$expand=assignments",
        )],
    )
};

// docs/graph-notes.md, "Microsoft Tunnel"
pub(super) const TUNNEL_CONFIGURATIONS: CatalogEntry = CatalogEntry {
    referenced: Some(Referenced {
        kind: RefKind::TunnelConfigurations,
        creatable: false,
        whole: true,
    }),
    assignments: None,
    strip: &["lastUpdateDateTime"],
    ..policy(
        "tunnelConfigurations",
        "Microsoft Tunnel server configurations",
        &[source(
            BETA,
            "deviceManagement/microsoftTunnelConfigurations",
            "",
        )],
    )
};

// docs/graph-notes.md, "Tenant settings"
pub(super) const TENANT_SETTINGS: CatalogEntry = CatalogEntry {
    name: fixed_name("Intune tenant settings"),
    assignments: None,
    scope_tags: ScopeTagField::None,
    ..policy(
        "tenantSettings",
        "Intune tenant settings",
        &[singleton(BETA, "deviceManagement", "$select=settings")],
    )
};

// docs/graph-notes.md, "Microsoft Tunnel"
pub(super) const TUNNEL_SITES: CatalogEntry = CatalogEntry {
    write: WriteRule {
        update_omit: &["microsoftTunnelConfiguration"],
        fixed: &["microsoftTunnelConfiguration.id"],
        ..PATCH
    },
    assignments: None,
    strip: &["upgradeAvailable"],
    project: &[("microsoftTunnelConfiguration", &["id"])],
    refs: &[RefField {
        path: "microsoftTunnelConfiguration.id",
        kind: RefKind::TunnelConfigurations,
    }],
    restore_order: 60,
    ..policy(
        "tunnelSites",
        "Microsoft Tunnel sites",
        &[Source {
            navs: &[property_nav("microsoftTunnelConfiguration")],
            ..source(BETA, "deviceManagement/microsoftTunnelSites", "")
        }],
    )
};

// docs/graph-notes.md, "Role assignments"
pub(super) const ROLE_ASSIGNMENTS: CatalogEntry = CatalogEntry {
    write: WriteRule {
        update_omit: &["roleDefinition"],
        fixed: &["roleDefinition.id"],
        binds: &[("roleDefinition", "deviceManagement/roleDefinitions")],
        ..PATCH
    },
    assignments: None,
    project: &[("roleDefinition", &["id"])],
    sets: &[
        SetRule {
            path: "members",
            key: None,
        },
        SetRule {
            path: "scopeMembers",
            key: None,
        },
        SetRule {
            path: "resourceScopes",
            key: None,
        },
    ],
    refs: &[
        RefField {
            path: "roleDefinition.id",
            kind: RefKind::Roles,
        },
        RefField {
            path: "members",
            kind: RefKind::Groups,
        },
        RefField {
            path: "scopeMembers",
            kind: RefKind::Groups,
        },
        RefField {
            path: "resourceScopes",
            kind: RefKind::Groups,
        },
    ],
    read_permission: RBAC_READ,
    write_permission: RBAC_WRITE,
    restore_order: 79,
    ..policy(
        "roleAssignments",
        "Intune role assignments",
        &[Source {
            hydrate: Some("$expand=roleDefinition"),
            ..source(BETA, "deviceManagement/roleAssignments", "")
        }],
    )
};
