//! Catalog entries — Apps and what is built on them: categories, apps, app protection and app configuration policies, policy sets.

use super::*;

// docs/graph-notes.md, "App categories"
pub(super) const APP_CATEGORIES: CatalogEntry = CatalogEntry {
    assignments: None,
    scope_tags: ScopeTagField::None,
    read_permission: APPS_READ,
    write_permission: APPS_WRITE,
    referenced: Some(Referenced {
        kind: RefKind::AppCategories,
        creatable: true,
        whole: true,
    }),
    restore_order: 46,
    ..policy(
        "appCategories",
        "App categories",
        &[source(BETA, "deviceAppManagement/mobileAppCategories", "")],
    )
};

// docs/graph-notes.md, "Apps"
pub(super) const APPS: CatalogEntry = CatalogEntry {
    write: WriteRule {
        update_omit: APP_FIXED,
        fixed: APP_FIXED,
        actions: &[
            FollowUp::Categories("categories"),
            FollowUp::Relationships("relationships"),
        ],
        no_create: &[
            NoCreate {
                field: "@odata.type",
                when: SkipValue::Str(CONTENT_APPS),
                reason: "the app's content (its package file) is never part of a backup: \
                         restore updates the app where it exists, but cannot create it",
            },
            NoCreate {
                field: "@odata.type",
                when: SkipValue::Str(STORE_SYNCED_APPS),
                reason: "the app arrives by a store sync (Apple VPP, managed Google Play, \
                         Microsoft Store for Business): restore updates it where it exists; \
                         sync the store to bring it back",
            },
            NoCreate {
                field: "appAvailability",
                when: SkipValue::Str(&["global"]),
                reason: "Microsoft publishes this app in every tenant: restore updates it \
                         there, never creates it",
            },
        ],
        ..PATCH
    },
    assignments: Some(AssignmentRule {
        assign_key: "mobileAppAssignments",
        write: AssignWrite::AssignAction,
    }),
    strip: APP_STRIP,
    project: &[("categories[]", &["id"])],
    sets: &[
        SetRule {
            path: "categories",
            key: Some("id"),
        },
        SetRule {
            path: "relationships",
            key: Some("targetId"),
        },
        SetRule {
            path: "localesToInstall",
            key: None,
        },
        SetRule {
            path: "productIds",
            key: None,
        },
    ],
    refs: &[
        RefField {
            path: "categories[].id",
            kind: RefKind::AppCategories,
        },
        RefField {
            path: "relationships[].targetId",
            kind: RefKind::MobileApps,
        },
    ],
    sidecars: APP_SIDECARS,
    read_permission: APPS_READ,
    write_permission: APPS_WRITE,
    referenced: Some(Referenced {
        kind: RefKind::MobileApps,
        creatable: false,
        whole: false,
    }),
    restore_order: 47,
    ..policy(
        "apps",
        "Apps",
        &[Source {
            hydrate: Some("$expand=assignments,categories"),
            navs: &[Nav {
                path: "relationships",
                query: "",
                complete: None,
                property: false,
            }],
            ..source(BETA, "deviceAppManagement/mobileApps", "")
        }],
    )
};

// docs/graph-notes.md, "App protection policies"
pub(super) const APP_PROTECTION_POLICIES: CatalogEntry = CatalogEntry {
    write: WriteRule {
        actions: &[FollowUp::TargetApps("apps")],
        ..PATCH
    },
    strip: &["apps[].id", "apps[].version"],
    sets: &[SetRule {
        path: "apps",
        key: None,
    }],
    read_permission: APPS_READ,
    write_permission: APPS_WRITE,
    ..policy(
        "appProtectionPolicies",
        "App protection policies (MAM)",
        &[
            mam_source(
                "deviceAppManagement/iosManagedAppProtections",
                &["#microsoft.graph.iosManagedAppProtection"],
            ),
            mam_source(
                "deviceAppManagement/androidManagedAppProtections",
                &["#microsoft.graph.androidManagedAppProtection"],
            ),
            mam_source(
                "deviceAppManagement/windowsManagedAppProtections",
                &["#microsoft.graph.windowsManagedAppProtection"],
            ),
        ],
    )
};

// docs/graph-notes.md, "App configurations"
pub(super) const APP_CONFIGURATIONS: CatalogEntry = CatalogEntry {
    write: WriteRule {
        actions: &[FollowUp::TargetApps("apps")],
        ..PATCH
    },
    strip: &["apps[].id", "apps[].version"],
    sets: &[
        SetRule {
            path: "apps",
            key: None,
        },
        SetRule {
            path: "targetedMobileApps",
            key: None,
        },
    ],
    refs: &[RefField {
        path: "targetedMobileApps",
        kind: RefKind::MobileApps,
    }],
    sidecars: &[
        SidecarField {
            field: "encodedSettingXml",
            ext: "xml",
            label: None,
            file_name_field: None,
        },
        SidecarField {
            field: "payloadJson",
            ext: "json",
            label: None,
            file_name_field: None,
        },
    ],
    read_permission: APPS_READ,
    write_permission: APPS_WRITE,
    ..policy(
        "appConfigurations",
        "App configuration policies",
        &[
            mam_source(
                "deviceAppManagement/targetedManagedAppConfigurations",
                &[TARGETED_APP_CONFIG],
            ),
            Source {
                exclude_types: &[TARGETED_APP_CONFIG],
                ..source(
                    BETA,
                    "deviceAppManagement/mobileAppConfigurations",
                    "$expand=assignments",
                )
            },
        ],
    )
};

// docs/graph-notes.md, "Policy sets"
pub(super) const POLICY_SETS: CatalogEntry = CatalogEntry {
    write: WriteRule {
        actions: &[FollowUp::PolicySetItems("items")],
        ..PATCH
    },
    assignments: Some(AssignmentRule {
        assign_key: "assignments",
        write: AssignWrite::UpdateAction,
    }),
    scope_tags: ScopeTagField::RoleScopeTags,
    strip: &[
        "status",
        "errorCode",
        "items[].id",
        "items[].displayName",
        "items[].itemType",
        "items[].status",
        "items[].errorCode",
    ],
    sets: &[
        SetRule {
            path: "items",
            key: Some("payloadId"),
        },
        SetRule {
            path: "guidedDeploymentTags",
            key: None,
        },
    ],
    refs: POLICY_SET_REFS,
    read_permission: "DeviceManagementConfiguration.Read.All, DeviceManagementApps.Read.All",
    write_permission: "DeviceManagementConfiguration.ReadWrite.All, DeviceManagementApps.ReadWrite.All",
    restore_order: 80,
    ..policy(
        "policySets",
        "Policy sets",
        &[Source {
            hydrate: Some("$expand=assignments,items"),
            ..source(BETA, "deviceAppManagement/policySets", "")
        }],
    )
};
