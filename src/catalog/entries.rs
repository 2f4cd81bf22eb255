//! The catalog table: one `CatalogEntry` per policy type, written from docs/graph-notes.md (section
//! noted per entry).
//!
//! Listed in restore order (docs/graph-notes.md, "Restore order"): scope tags, filters,
//! notification templates, named locations, then policies, then Conditional Access.

use super::*;

const CONFIG_READ: &str = "DeviceManagementConfiguration.Read.All";
const CONFIG_WRITE: &str = "DeviceManagementConfiguration.ReadWrite.All";
const APPS_READ: &str = "DeviceManagementApps.Read.All";
const APPS_WRITE: &str = "DeviceManagementApps.ReadWrite.All";
const SERVICE_READ: &str = "DeviceManagementServiceConfig.Read.All";
const SERVICE_WRITE: &str = "DeviceManagementServiceConfig.ReadWrite.All";
const RBAC_READ: &str = "DeviceManagementRBAC.Read.All";
const CLOUD_PC_READ: &str = "CloudPC.Read.All";
const CLOUD_PC_WRITE: &str = "CloudPC.ReadWrite.All";
const RBAC_WRITE: &str = "DeviceManagementRBAC.ReadWrite.All";

const ASSIGN: Option<AssignmentRule> = Some(AssignmentRule {
    assign_key: "assignments",
    write: AssignWrite::AssignAction,
});
const SCRIPT_ASSIGN: Option<AssignmentRule> = Some(AssignmentRule {
    assign_key: "deviceManagementScriptAssignments",
    write: AssignWrite::AssignAction,
});

/// A plain source: one collection, list expands assignments, nothing else to hydrate.
const fn source(version: ApiVersion, collection: &'static str, list_query: &'static str) -> Source {
    Source {
        version,
        collection,
        list_query,
        odata_types: &[],
        exclude_types: &[],
        skip_when: None,
        hydrate: None,
        navs: &[],
        singleton: false,
        key: "id",
    }
}

/// The plain expiry date of a certificate or token (docs/ARCHITECTURE.md, "Expiry health").
const fn expires(field: &'static str) -> ExpiryField {
    ExpiryField {
        field,
        event: "expires",
        past: "expired",
    }
}

/// A singleton: one object at `path`, read with `query` (docs/ARCHITECTURE.md, "Singletons").
const fn singleton(version: ApiVersion, path: &'static str, query: &'static str) -> Source {
    Source {
        singleton: true,
        ..source(version, path, query)
    }
}

/// A singleton's name: its title, as it has none of its own.
const fn fixed_name(name: &'static str) -> NameRule {
    NameRule::Derived {
        fields: &[],
        known: &[],
        otherwise: name,
    }
}

/// Entra policies' service-set descriptive properties (docs/graph-notes.md, "Entra tenant
/// policies"): read-only, the same in every tenant.
const ENTRA_POLICY_TEXT: &[&str] = &["displayName", "description", "deletedDateTime"];

/// A partner connection (docs/graph-notes.md, "Connectors and tokens"): backup-only, no scope tags
/// or assignments, its heartbeat and state stripped, rows of partners never set up skipped.
const fn partner(
    key: &'static str,
    title: &'static str,
    sources: &'static [Source],
) -> CatalogEntry {
    CatalogEntry {
        assignments: None,
        scope_tags: ScopeTagField::None,
        strip: &["lastHeartbeatDateTime", "partnerState"],
        capability: Capability::BackupOnly,
        read_permission: SERVICE_READ,
        write_permission: SERVICE_WRITE,
        ..policy(key, title, sources)
    }
}

/// Partner connections name the groups enrolled through them.
const PARTNER_GROUPS: &[RefField] = &[RefField {
    path: "**.groupId",
    kind: RefKind::Groups,
}];

/// Mobile threat defense connectors have no name: their id is the partner's, the same in every
/// tenant (docs/graph-notes.md, "Connectors and tokens"). Only Microsoft Defender for Endpoint's
/// id is confirmed by a live answer; the others are Microsoft365DSC's table.
const MTD_PARTNERS: &[(&str, &str)] = &[
    (
        "fc780465-2017-40d4-a0c5-307022471b92",
        "Microsoft Defender for Endpoint",
    ),
    (
        "860d3ab4-8fd1-45f5-89cd-ecf51e4f92e5",
        "BETTER Mobile Security",
    ),
    (
        "d3ddeae8-441f-4681-b80f-aef644f7195a",
        "Check Point Harmony Mobile",
    ),
    ("8d0ed095-8191-4bd3-8a41-953b22d51ff7", "Pradeo"),
    ("1f58d6d2-02cc-4c80-b008-1bfe7396a10a", "Jamf Trust"),
    (
        "a447eca6-a986-4d3f-9838-5862bf50776c",
        "CylancePROTECT Mobile",
    ),
    ("4928f0f6-2660-4f69-b4c5-5170ec921f7b", "Trend Micro"),
    ("bb13fe25-ce1f-45aa-b278-cabbc6b9072e", "SentinelOne"),
    (
        "e6f777f8-e4c2-4a5b-be01-50b5c124bc7f",
        "Windows Security Center",
    ),
    (
        "29ee2d98-e795-475f-a0f8-0802dc3384a9",
        "CrowdStrike Falcon for Mobile",
    ),
    ("870b252b-0ef0-4707-8847-50fc571472b3", "Sophos"),
    ("2c7790de-8b02-4814-85cf-e0c59380dee8", "Lookout for Work"),
    (
        "28fd67fd-b179-4629-a8b0-dad420b697c7",
        "Symantec Endpoint Protection",
    ),
    ("08a8455c-48dd-45ff-ad82-7211355354f3", "Zimperium"),
];

/// Enrollment configurations: priority only through `setPriority`, type fields immutable
/// (docs/graph-notes.md, "Enrollment configurations").
const ENROLLMENT_WRITE: WriteRule = WriteRule {
    update: UpdateMethod::Patch,
    update_omit: &[
        "priority",
        "deviceEnrollmentConfigurationType",
        "platformType",
    ],
    actions: &[FollowUp::SetPriority("priority")],
    fixed: &["deviceEnrollmentConfigurationType", "platformType"],
    client_ids: false,
    no_create: &[],
    create_later: &[],
    binds: &[],
};

const BETA: ApiVersion = ApiVersion::Beta;
const V1: ApiVersion = ApiVersion::V1;

const UPDATE_RING: &str = "#microsoft.graph.windowsUpdateForBusinessConfiguration";
const ESP: &str = "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration";

/// Settings catalog instances: top-level settings and choice/group children are sets keyed by definition.
const SETTINGS_SETS: &[SetRule] = &[
    SetRule {
        path: "settings",
        key: Some("settingInstance.settingDefinitionId"),
    },
    SetRule {
        path: "**.children",
        key: Some("settingDefinitionId"),
    },
];
/// Where settings arrive with their definitions (kept as names in `_refs/settingDefinitions.yaml`).
const SETTINGS_DEFINITIONS: &str = "settings[].settingDefinitions";
/// Settings are read through the paged `settings` navigation with their definitions expanded
/// (docs/graph-notes.md, "Reading settings catalog policies"): one request per policy, as
/// `$expand=settings` on the object would be; the object itself comes from the list. `$top=1000` as
/// IntuneCD sends it, so large policies take one page; any nextLink is still followed.
const SETTINGS_NAV: &[Nav] = &[Nav {
    path: "settings",
    query: "$expand=settingDefinitions&$top=1000",
    complete: None,
    property: false,
}];
const SETTINGS_STRIP: &[&str] = &[
    "settings[].id",
    SETTINGS_DEFINITIONS,
    "creationSource",
    "templateReference.templateFamily",
    "templateReference.templateDisplayName",
    "templateReference.templateDisplayVersion",
];

/// Settings catalog policies: one PUT of the whole policy (its settings cannot be PATCHed); the
/// platform, technologies and template are fixed at creation (what Graph does with a change
/// through PUT is unverified, so the tool never tries it; docs/graph-variation.md).
const SETTINGS_WRITE: WriteRule = WriteRule {
    update: UpdateMethod::Put,
    fixed: &["platforms", "technologies", "templateReference.templateId"],
    ..PATCH
};

const SCRIPT: SidecarField = SidecarField {
    field: "scriptContent",
    ext: "ps1",
    label: None,
    file_name_field: Some("fileName"),
};
const SHELL_SCRIPT: SidecarField = SidecarField {
    ext: "sh",
    ..SCRIPT
};

/// Scripts: the list omits the content (docs/graph-notes.md, "Scripts"), so each is read by id with
/// its assignments.
const fn script_source(collection: &'static str) -> Source {
    Source {
        hydrate: Some("$expand=assignments"),
        ..source(BETA, collection, "")
    }
}

/// MAM typed collections: `$expand` is refused on the list (docs/graph-notes.md, "Assignments"), so
/// read each by id. Each collection holds one `@odata.type`, which is also how restore picks the
/// collection to create in.
const fn mam_source(collection: &'static str, odata_types: &'static [&'static str]) -> Source {
    Source {
        hydrate: Some("$expand=apps,assignments"),
        odata_types,
        ..source(BETA, collection, "")
    }
}

const TARGETED_APP_CONFIG: &str = "#microsoft.graph.targetedManagedAppConfiguration";

const CA_SETS: &[SetRule] = &[
    SetRule {
        path: "conditions.users.includeUsers",
        key: None,
    },
    SetRule {
        path: "conditions.users.excludeUsers",
        key: None,
    },
    SetRule {
        path: "conditions.users.includeGroups",
        key: None,
    },
    SetRule {
        path: "conditions.users.excludeGroups",
        key: None,
    },
    SetRule {
        path: "conditions.users.includeRoles",
        key: None,
    },
    SetRule {
        path: "conditions.users.excludeRoles",
        key: None,
    },
    SetRule {
        path: "conditions.applications.includeApplications",
        key: None,
    },
    SetRule {
        path: "conditions.applications.excludeApplications",
        key: None,
    },
    SetRule {
        path: "conditions.applications.includeUserActions",
        key: None,
    },
    SetRule {
        path: "conditions.platforms.includePlatforms",
        key: None,
    },
    SetRule {
        path: "conditions.platforms.excludePlatforms",
        key: None,
    },
    SetRule {
        path: "conditions.locations.includeLocations",
        key: None,
    },
    SetRule {
        path: "conditions.locations.excludeLocations",
        key: None,
    },
    SetRule {
        path: "conditions.clientAppTypes",
        key: None,
    },
    SetRule {
        path: "conditions.signInRiskLevels",
        key: None,
    },
    SetRule {
        path: "conditions.userRiskLevels",
        key: None,
    },
    SetRule {
        path: "grantControls.builtInControls",
        key: None,
    },
];

/// Apps whose content is an uploaded package: a backup holds their metadata, never the package
/// (docs/graph-notes.md, "Apps").
const CONTENT_APPS: &[&str] = &[
    "#microsoft.graph.win32LobApp",
    "#microsoft.graph.win32CatalogApp",
    "#microsoft.graph.windowsAutoUpdateCatalogApp",
    "#microsoft.graph.windowsMobileMSI",
    "#microsoft.graph.windowsAppX",
    "#microsoft.graph.windowsUniversalAppX",
    "#microsoft.graph.windowsPhone81AppX",
    "#microsoft.graph.windowsPhone81AppXBundle",
    "#microsoft.graph.windowsPhoneXAP",
    "#microsoft.graph.macOSLobApp",
    "#microsoft.graph.macOSPkgApp",
    "#microsoft.graph.macOSDmgApp",
    "#microsoft.graph.iosLobApp",
    "#microsoft.graph.managedIOSLobApp",
    "#microsoft.graph.androidLobApp",
    "#microsoft.graph.managedAndroidLobApp",
];

/// Apps a store sync brings into the tenant (docs/graph-notes.md, "Apps").
const STORE_SYNCED_APPS: &[&str] = &[
    "#microsoft.graph.iosVppApp",
    "#microsoft.graph.macOsVppApp",
    "#microsoft.graph.androidManagedStoreApp",
    "#microsoft.graph.androidManagedStoreWebApp",
    "#microsoft.graph.androidForWorkApp",
    "#microsoft.graph.microsoftStoreForBusinessApp",
];

/// App properties fixed at creation, or naming the uploaded package: never sent in an update, a
/// difference blocks it (docs/graph-notes.md, "Apps").
const APP_FIXED: &[&str] = &[
    "packageIdentifier",
    "appUrl",
    "officePlatformArchitecture",
    "fileName",
];

/// The service's counts, upload and publishing state, the store's license counts, and the
/// relationships' reverse edges and descriptive copies of their target (docs/graph-notes.md,
/// "Apps").
const APP_STRIP: &[&str] = &[
    "uploadState",
    "publishingState",
    "dependentAppCount",
    "supersedingAppCount",
    "supersededAppCount",
    "committedContentVersion",
    "size",
    "usedLicenseCount",
    "totalLicenseCount",
    "manifestHash",
    "latestUpgradeCatalogPackage",
    "referencedCatalogPackage",
    "committedContainedApps",
    "relationships[targetType=parent]",
    "relationships[].id",
    "relationships[].targetDisplayName",
    "relationships[].targetDisplayVersion",
    "relationships[].targetPublisher",
    "relationships[].targetPublisherDisplayName",
    "relationships[].sourceId",
    "relationships[].sourceDisplayName",
    "relationships[].sourceDisplayVersion",
    "relationships[].sourcePublisherDisplayName",
    "relationships[].dependentAppCount",
    "relationships[].dependsOnAppCount",
    "relationships[].supersededAppCount",
    "relationships[].supersedingAppCount",
];

/// Scripts, the icon and the Office configuration as exact-bytes files (docs/graph-notes.md,
/// "Apps").
const APP_SIDECARS: &[SidecarField] = &[
    SidecarField {
        field: "rules[].scriptContent",
        ext: "ps1",
        label: Some("rule"),
        file_name_field: None,
    },
    SidecarField {
        field: "detectionRules[].scriptContent",
        ext: "ps1",
        label: Some("detection"),
        file_name_field: None,
    },
    SidecarField {
        field: "requirementRules[].scriptContent",
        ext: "ps1",
        label: Some("requirement"),
        file_name_field: None,
    },
    SidecarField {
        field: "preInstallScript.scriptContent",
        ext: "sh",
        label: Some("preinstall"),
        file_name_field: None,
    },
    SidecarField {
        field: "postInstallScript.scriptContent",
        ext: "sh",
        label: Some("postinstall"),
        file_name_field: None,
    },
    SidecarField {
        field: "officeConfigurationXml",
        ext: "xml",
        label: Some("office"),
        file_name_field: None,
    },
    SidecarField {
        field: "largeIcon.value",
        ext: "png",
        label: Some("icon"),
        file_name_field: None,
    },
];

/// Reusable settings answer their `settingInstance` only when `$select` names it
/// (docs/graph-notes.md, "Reusable settings").
pub(super) const REUSABLE_QUERY: &str = "$select=id,displayName,description,settingDefinitionId,settingInstance,version,createdDateTime,lastModifiedDateTime";

/// Settings catalog values naming a reusable setting by id (docs/graph-notes.md, "Reusable
/// settings"): every reference setting value, at any depth.
const REUSABLE_REFS: &[RefField] = &[RefField {
    path: "**[@odata.type=#microsoft.graph.deviceManagementConfigurationReferenceSettingValue].value",
    kind: RefKind::ReusableSettings,
}];

/// What a policy set's items name by `payloadId` (docs/graph-notes.md, "Policy sets"): apps, and
/// objects of the other catalog types by their item type.
const POLICY_SET_REFS: &[RefField] = &[
    RefField {
        path: "items[@odata.type=#microsoft.graph.mobileAppPolicySetItem].payloadId",
        kind: RefKind::MobileApps,
    },
    policy_item("items[@odata.type=#microsoft.graph.deviceConfigurationPolicySetItem].payloadId"),
    policy_item(
        "items[@odata.type=#microsoft.graph.deviceManagementConfigurationPolicyPolicySetItem].payloadId",
    ),
    policy_item(
        "items[@odata.type=#microsoft.graph.deviceCompliancePolicyPolicySetItem].payloadId",
    ),
    policy_item(
        "items[@odata.type=#microsoft.graph.deviceManagementScriptPolicySetItem].payloadId",
    ),
    policy_item("items[@odata.type=#microsoft.graph.managedAppProtectionPolicySetItem].payloadId"),
    policy_item(
        "items[@odata.type=#microsoft.graph.targetedManagedAppConfigurationPolicySetItem].payloadId",
    ),
    policy_item(
        "items[@odata.type=#microsoft.graph.managedDeviceMobileAppConfigurationPolicySetItem].payloadId",
    ),
    policy_item(
        "items[@odata.type=#microsoft.graph.windowsAutopilotDeploymentProfilePolicySetItem].payloadId",
    ),
    policy_item(
        "items[@odata.type=#microsoft.graph.enrollmentRestrictionsConfigurationPolicySetItem].payloadId",
    ),
    policy_item(
        "items[@odata.type=#microsoft.graph.windows10EnrollmentCompletionPageConfigurationPolicySetItem].payloadId",
    ),
];

const fn policy_item(path: &'static str) -> RefField {
    RefField {
        path,
        kind: RefKind::Policies,
    }
}

/// Branding images: answered only by their own GET, refused by a create
/// (docs/graph-notes.md, "Branding profiles").
const BRANDING_IMAGES: &[&str] = &[
    "themeColorLogo",
    "lightBackgroundLogo",
    "landingPageCustomizedImage",
];

/// A property only its own GET answers (branding images, a Tunnel site's configuration).
const fn property_nav(path: &'static str) -> Nav {
    Nav {
        path,
        query: "",
        complete: None,
        property: true,
    }
}

const fn image(field: &'static str, label: &'static str) -> SidecarField {
    SidecarField {
        field,
        ext: "png",
        label: Some(label),
        file_name_field: None,
    }
}

/// What cross-tenant access settings name in this tenant (docs/graph-notes.md, "Cross-tenant
/// access partners"): outbound users and groups and inbound applications. Inbound users and groups
/// and outbound applications are the other tenant's, kept as they are.
const CROSS_TENANT_REFS: &[RefField] = &[
    RefField {
        path: "b2bCollaborationOutbound.usersAndGroups.targets[targetType=group].target",
        kind: RefKind::Groups,
    },
    RefField {
        path: "b2bCollaborationOutbound.usersAndGroups.targets[targetType=user].target",
        kind: RefKind::Users,
    },
    RefField {
        path: "b2bDirectConnectOutbound.usersAndGroups.targets[targetType=group].target",
        kind: RefKind::Groups,
    },
    RefField {
        path: "b2bDirectConnectOutbound.usersAndGroups.targets[targetType=user].target",
        kind: RefKind::Users,
    },
    RefField {
        path: "b2bCollaborationInbound.applications.targets[targetType=application].target",
        kind: RefKind::Applications,
    },
    RefField {
        path: "b2bDirectConnectInbound.applications.targets[targetType=application].target",
        kind: RefKind::Applications,
    },
];

/// A policy entry with the common defaults; each entry overrides what differs.
const fn policy(
    key: &'static str,
    title: &'static str,
    sources: &'static [Source],
) -> CatalogEntry {
    CatalogEntry {
        key,
        title,
        sources,
        name: NameRule::Property {
            field: "displayName",
        },
        definitions: None,
        strip: &[],
        project: &[],
        sets: &[],
        sidecars: &[],
        refs: &[],
        scope_tags: ScopeTagField::RoleScopeTagIds,
        assignments: ASSIGN,
        capability: Capability::Full,
        read_permission: CONFIG_READ,
        write_permission: CONFIG_WRITE,
        restore_order: 50,
        referenced: None,
        view: ViewShape::Properties,
        write: PATCH,
        expiry: &[],
    }
}

pub static CATALOG: &[CatalogEntry] = &[
    // docs/graph-notes.md, "Scope tags"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Assignment filters"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Notification templates"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Conditional Access and named locations"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Reusable settings"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Compliance scripts"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "App categories"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Apps"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Device configurations", "Secrets Graph hides"
    CatalogEntry {
        strip: &[
            "omaSettings[].isEncrypted",
            "omaSettings[].secretReferenceValueId",
        ],
        sidecars: &[SidecarField {
            field: "payload",
            ext: "mobileconfig",
            label: None,
            file_name_field: Some("payloadFileName"),
        }],
        ..policy(
            "deviceConfigurations",
            "Device configuration profiles",
            &[Source {
                exclude_types: &[UPDATE_RING],
                ..source(
                    BETA,
                    "deviceManagement/deviceConfigurations",
                    "$expand=assignments",
                )
            }],
        )
    },
    // docs/graph-notes.md, "Update rings"
    CatalogEntry {
        strip: &[
            "qualityUpdatesPauseStartDate",
            "featureUpdatesPauseStartDate",
            "qualityUpdatesWillBeRolledBack",
            "featureUpdatesWillBeRolledBack",
            "qualityUpdatesRollbackStartDateTime",
            "featureUpdatesRollbackStartDateTime",
        ],
        ..policy(
            "windowsUpdateRings",
            "Windows Update rings",
            &[Source {
                odata_types: &[UPDATE_RING],
                ..source(
                    BETA,
                    "deviceManagement/deviceConfigurations",
                    "$expand=assignments",
                )
            }],
        )
    },
    // docs/graph-notes.md, "Settings catalog"
    CatalogEntry {
        name: NameRule::Property { field: "name" },
        refs: REUSABLE_REFS,
        definitions: Some(SETTINGS_DEFINITIONS),
        strip: SETTINGS_STRIP,
        sets: SETTINGS_SETS,
        view: ViewShape::SettingsCatalog("settings"),
        write: SETTINGS_WRITE,
        ..policy(
            "settingsCatalog",
            "Settings catalog, endpoint security and baselines",
            &[Source {
                navs: SETTINGS_NAV,
                ..source(
                    BETA,
                    "deviceManagement/configurationPolicies",
                    "$expand=assignments",
                )
            }],
        )
    },
    // docs/graph-notes.md, "Administrative templates"
    CatalogEntry {
        write: WriteRule {
            actions: &[FollowUp::DefinitionValues("definitionValues")],
            ..PATCH
        },
        view: ViewShape::AdministrativeTemplate("definitionValues"),
        strip: &[
            "policyConfigurationIngestionType",
            "definitionValues[].id",
            "definitionValues[].presentationValues[].id",
        ],
        project: &[
            (
                "definitionValues[].definition",
                &[
                    "@odata.type",
                    "id",
                    "displayName",
                    "categoryPath",
                    "classType",
                ],
            ),
            (
                "definitionValues[].presentationValues[].presentation",
                &["@odata.type", "id", "label"],
            ),
        ],
        sets: &[
            SetRule {
                path: "definitionValues",
                key: Some("definition.id"),
            },
            SetRule {
                path: "definitionValues[].presentationValues",
                key: Some("presentation.id"),
            },
        ],
        ..policy(
            "administrativeTemplates",
            "Administrative templates (ADMX)",
            &[Source {
                // One request per policy; values whose presentations the nested expand did not
                // return are completed per value (the two-step form of
                // docs/graph-notes.md, "Administrative templates").
                navs: &[Nav {
                    path: "definitionValues",
                    query: "$expand=definition,presentationValues($expand=presentation)",
                    complete: Some(("presentationValues", "$expand=presentation")),
                    property: false,
                }],
                ..source(
                    BETA,
                    "deviceManagement/groupPolicyConfigurations",
                    "$expand=assignments",
                )
            }],
        )
    },
    // docs/graph-notes.md, "Compliance policies"
    CatalogEntry {
        write: WriteRule {
            actions: &[FollowUp::ScheduledActions("scheduledActionsForRule")],
            ..PATCH
        },
        strip: &[
            "scheduledActionsForRule[].id",
            "scheduledActionsForRule[].scheduledActionConfigurations[].id",
        ],
        sets: &[
            SetRule {
                path: "scheduledActionsForRule",
                key: Some("ruleName"),
            },
            SetRule {
                path: "scheduledActionsForRule[].scheduledActionConfigurations",
                key: None,
            },
            SetRule {
                path: "scheduledActionsForRule[].scheduledActionConfigurations[].notificationMessageCCList",
                key: None,
            },
        ],
        refs: &[
            RefField {
                path: "scheduledActionsForRule[].scheduledActionConfigurations[].notificationTemplateId",
                kind: RefKind::NotificationTemplates,
            },
            RefField {
                path: "scheduledActionsForRule[].scheduledActionConfigurations[].notificationMessageCCList",
                kind: RefKind::Groups,
            },
            RefField {
                path: "deviceCompliancePolicyScript.deviceComplianceScriptId",
                kind: RefKind::ComplianceScripts,
            },
        ],
        // The rules of custom compliance: base64 JSON, kept readable beside the document.
        sidecars: &[SidecarField {
            field: "deviceCompliancePolicyScript.rulesContent",
            ext: "json",
            label: Some("rules"),
            file_name_field: None,
        }],
        ..policy(
            "compliancePolicies",
            "Compliance policies",
            &[source(
                BETA,
                "deviceManagement/deviceCompliancePolicies",
                "$expand=assignments,scheduledActionsForRule($expand=scheduledActionConfigurations)",
            )],
        )
    },
    // docs/graph-notes.md, "Compliance policies" (settings-catalog compliance)
    CatalogEntry {
        name: NameRule::Property { field: "name" },
        refs: REUSABLE_REFS,
        definitions: Some(SETTINGS_DEFINITIONS),
        strip: SETTINGS_STRIP,
        sets: SETTINGS_SETS,
        view: ViewShape::SettingsCatalog("settings"),
        write: SETTINGS_WRITE,
        ..policy(
            "complianceV2",
            "Compliance policies (settings catalog)",
            &[Source {
                navs: SETTINGS_NAV,
                ..source(
                    BETA,
                    "deviceManagement/compliancePolicies",
                    "$expand=assignments",
                )
            }],
        )
    },
    // docs/graph-notes.md, "Scripts"
    CatalogEntry {
        sidecars: &[SCRIPT],
        assignments: SCRIPT_ASSIGN,
        ..policy(
            "powershellScripts",
            "PowerShell scripts (Windows)",
            &[script_source("deviceManagement/deviceManagementScripts")],
        )
    },
    CatalogEntry {
        sidecars: &[SHELL_SCRIPT],
        assignments: SCRIPT_ASSIGN,
        ..policy(
            "shellScripts",
            "Shell scripts (macOS)",
            &[script_source("deviceManagement/deviceShellScripts")],
        )
    },
    CatalogEntry {
        strip: &["isGlobalScript", "deviceHealthScriptType"],
        sidecars: &[
            SidecarField {
                field: "detectionScriptContent",
                ext: "ps1",
                label: Some("detection"),
                file_name_field: None,
            },
            SidecarField {
                field: "remediationScriptContent",
                ext: "ps1",
                label: Some("remediation"),
                file_name_field: None,
            },
        ],
        assignments: Some(AssignmentRule {
            assign_key: "deviceHealthScriptAssignments",
            write: AssignWrite::AssignAction,
        }),
        ..policy(
            "remediations",
            "Remediations (device health scripts)",
            &[Source {
                skip_when: Some(("isGlobalScript", SkipValue::Bool(true))),
                ..script_source("deviceManagement/deviceHealthScripts")
            }],
        )
    },
    CatalogEntry {
        sidecars: &[SHELL_SCRIPT],
        assignments: SCRIPT_ASSIGN,
        ..policy(
            "customAttributeScripts",
            "Custom attribute scripts (macOS)",
            &[script_source(
                "deviceManagement/deviceCustomAttributeShellScripts",
            )],
        )
    },
    // docs/graph-notes.md, "Windows Update profiles"
    CatalogEntry {
        strip: &["deployableContentDisplayName", "endOfSupportDate"],
        ..policy(
            "featureUpdateProfiles",
            "Windows feature update profiles",
            &[source(
                BETA,
                "deviceManagement/windowsFeatureUpdateProfiles",
                "$expand=assignments",
            )],
        )
    },
    CatalogEntry {
        strip: &["releaseDateDisplayName", "deployableContentDisplayName"],
        ..policy(
            "qualityUpdateProfiles",
            "Windows quality update profiles",
            &[source(
                BETA,
                "deviceManagement/windowsQualityUpdateProfiles",
                "$expand=assignments",
            )],
        )
    },
    CatalogEntry {
        strip: &["deviceReporting", "newUpdates", "inventorySyncStatus"],
        ..policy(
            "driverUpdateProfiles",
            "Windows driver update profiles",
            &[source(
                BETA,
                "deviceManagement/windowsDriverUpdateProfiles",
                "$expand=assignments",
            )],
        )
    },
    // docs/graph-notes.md, "App protection policies"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "App configurations"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Autopilot profiles"
    CatalogEntry {
        assignments: Some(AssignmentRule {
            assign_key: "assignments",
            write: AssignWrite::PerTarget,
        }),
        strip: &[
            "outOfBoxExperienceSettings",
            "extractHardwareHash",
            "enableWhiteGlove",
            "language",
        ],
        read_permission: SERVICE_READ,
        write_permission: SERVICE_WRITE,
        ..policy(
            "autopilotProfiles",
            "Windows Autopilot deployment profiles",
            &[source(
                BETA,
                "deviceManagement/windowsAutopilotDeploymentProfiles",
                "$expand=assignments",
            )],
        )
    },
    // docs/graph-notes.md, "Enrollment configurations"
    CatalogEntry {
        write: ENROLLMENT_WRITE,
        strip: &["deviceEnrollmentConfigurationType"],
        sets: &[SetRule {
            path: "selectedMobileAppIds",
            key: None,
        }],
        refs: &[RefField {
            path: "selectedMobileAppIds",
            kind: RefKind::MobileApps,
        }],
        assignments: Some(AssignmentRule {
            assign_key: "enrollmentConfigurationAssignments",
            write: AssignWrite::AssignAction,
        }),
        read_permission: SERVICE_READ,
        write_permission: SERVICE_WRITE,
        ..policy(
            "enrollmentStatusPages",
            "Enrollment status pages",
            &[Source {
                odata_types: &[ESP],
                ..source(
                    BETA,
                    "deviceManagement/deviceEnrollmentConfigurations",
                    "$expand=assignments",
                )
            }],
        )
    },
    CatalogEntry {
        write: ENROLLMENT_WRITE,
        strip: &["deviceEnrollmentConfigurationType"],
        assignments: Some(AssignmentRule {
            assign_key: "enrollmentConfigurationAssignments",
            write: AssignWrite::AssignAction,
        }),
        capability: Capability::PreviewOnly,
        read_permission: SERVICE_READ,
        write_permission: SERVICE_WRITE,
        ..policy(
            "enrollmentRestrictions",
            "Enrollment restrictions, limits and other enrollment configurations",
            &[Source {
                // Restrictions, limits, Windows Hello, co-management, …: everything but the ESPs, so
                // no enrollment configuration is ever left out (unknown types are kept,
                // docs/ARCHITECTURE.md, "The normalized document").
                exclude_types: &[ESP],
                ..source(
                    BETA,
                    "deviceManagement/deviceEnrollmentConfigurations",
                    "$expand=assignments",
                )
            }],
        )
    },
    // docs/graph-notes.md, "Intents"
    CatalogEntry {
        strip: &["isMigratingToConfigurationPolicy", "settings[].id"],
        sets: &[SetRule {
            path: "settings",
            key: Some("definitionId"),
        }],
        capability: Capability::BackupOnly,
        ..policy(
            "intents",
            "Endpoint security intents (legacy)",
            &[Source {
                navs: &[
                    Nav {
                        path: "settings",
                        query: "",
                        complete: None,
                        property: false,
                    },
                    Nav {
                        path: "assignments",
                        query: "",
                        complete: None,
                        property: false,
                    },
                ],
                ..source(BETA, "deviceManagement/intents", "")
            }],
        )
    },
    // docs/graph-notes.md, "Uploaded ADMX files"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Device categories"
    CatalogEntry {
        assignments: None,
        ..policy(
            "deviceCategories",
            "Device categories",
            &[source(BETA, "deviceManagement/deviceCategories", "")],
        )
    },
    // docs/graph-notes.md, "Terms and conditions"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Custom roles"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Branding profiles"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Multi-admin approval policies"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Windows 365 Cloud PC"
    CatalogEntry {
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
    },
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Microsoft Tunnel"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Android Enterprise enrollment profiles"
    CatalogEntry {
        assignments: None,
        strip: &[
            "tokenValue",
            "qrCodeContent",
            "qrCodeImage",
            "tokenCreationDateTime",
            "enrolledDeviceCount",
            "enrollmentTokenUsageCount",
            "accountId",
        ],
        read_permission: SERVICE_READ,
        write_permission: SERVICE_WRITE,
        write: WriteRule {
            fixed: &["enrollmentMode", "enrollmentTokenType"],
            ..PATCH
        },
        ..policy(
            "androidEnrollmentProfiles",
            "Android Enterprise enrollment profiles",
            &[source(
                BETA,
                "deviceManagement/androidDeviceOwnerEnrollmentProfiles",
                "",
            )],
        )
    },
    // docs/graph-notes.md, "Tenant settings"
    CatalogEntry {
        name: fixed_name("Intune tenant settings"),
        assignments: None,
        scope_tags: ScopeTagField::None,
        ..policy(
            "tenantSettings",
            "Intune tenant settings",
            &[singleton(BETA, "deviceManagement", "$select=settings")],
        )
    },
    // docs/graph-notes.md, "Connectors and tokens"
    CatalogEntry {
        name: fixed_name("Apple MDM push certificate"),
        assignments: None,
        scope_tags: ScopeTagField::None,
        strip: &[
            "certificate",
            "certificateUploadStatus",
            "certificateUploadFailureReason",
        ],
        capability: Capability::BackupOnly,
        expiry: &[expires("expirationDateTime")],
        ..policy(
            "applePushCertificate",
            "Apple MDM push certificate",
            &[singleton(
                BETA,
                "deviceManagement/applePushNotificationCertificate",
                "",
            )],
        )
    },
    CatalogEntry {
        name: fixed_name("Managed Google Play"),
        assignments: None,
        scope_tags: ScopeTagField::None,
        strip: &[
            "companyCodes",
            "bindStatus",
            "lastAppSyncDateTime",
            "lastAppSyncStatus",
        ],
        refs: &[
            RefField {
                path: "targetGroupIds",
                kind: RefKind::Groups,
            },
            RefField {
                path: "managedGooglePlayInitialScopeTagIds",
                kind: RefKind::ScopeTags,
            },
        ],
        capability: Capability::BackupOnly,
        ..policy(
            "managedGooglePlay",
            "Managed Google Play binding",
            &[singleton(
                BETA,
                "deviceManagement/androidManagedStoreAccountEnterpriseSettings",
                "",
            )],
        )
    },
    CatalogEntry {
        name: NameRule::Derived {
            fields: &["displayName", "organizationName"],
            known: &[],
            otherwise: "Apple VPP token",
        },
        assignments: None,
        strip: &[
            "token",
            "lastSyncDateTime",
            "lastSyncStatus",
            "state",
            "tokenActionResults",
            "lastAppCount",
        ],
        capability: Capability::BackupOnly,
        read_permission: SERVICE_READ,
        write_permission: SERVICE_WRITE,
        expiry: &[expires("expirationDateTime")],
        ..policy(
            "vppTokens",
            "Apple VPP tokens",
            &[source(BETA, "deviceAppManagement/vppTokens", "")],
        )
    },
    // docs/graph-notes.md, "Apple automated device enrollment profiles"
    CatalogEntry {
        assignments: None,
        scope_tags: ScopeTagField::None,
        // The URL a device is sent to embeds the token's and the tenant's ids; the macOS local
        // administrator's password is a secret Graph does not answer.
        strip: &["configurationEndpointUrl", "adminAccountPassword"],
        sets: &[
            SetRule {
                path: "enabledSkipKeys",
                key: None,
            },
            SetRule {
                path: "enrollmentTimeAzureAdGroupIds",
                key: None,
            },
        ],
        refs: &[RefField {
            path: "enrollmentTimeAzureAdGroupIds",
            kind: RefKind::Groups,
        }],
        // Profiles live below a token whose id differs in every tenant; Graph's write of them
        // is documented but unconfirmed by any tool that creates them.
        capability: Capability::PreviewOnly,
        read_permission: SERVICE_READ,
        write_permission: SERVICE_WRITE,
        restore_order: 50,
        ..policy(
            "appleEnrollmentProfiles",
            "Apple automated device enrollment profiles",
            &[source(
                BETA,
                "deviceManagement/depOnboardingSettings/{parent}/enrollmentProfiles",
                "",
            )],
        )
    },
    CatalogEntry {
        name: NameRule::Derived {
            fields: &["tokenName", "appleIdentifier"],
            known: &[],
            otherwise: "Apple enrollment program token",
        },
        assignments: None,
        strip: &[
            "lastSuccessfulSyncDateTime",
            "lastSyncTriggeredDateTime",
            "lastSyncErrorCode",
            "syncedDeviceCount",
        ],
        capability: Capability::BackupOnly,
        read_permission: SERVICE_READ,
        write_permission: SERVICE_WRITE,
        expiry: &[expires("tokenExpirationDateTime")],
        ..policy(
            "appleEnrollmentTokens",
            "Apple automated device enrollment tokens (ABM/ASM)",
            &[source(BETA, "deviceManagement/depOnboardingSettings", "")],
        )
    },
    CatalogEntry {
        name: NameRule::Derived {
            fields: &[],
            known: MTD_PARTNERS,
            otherwise: "Mobile threat defense connector",
        },
        ..partner(
            "mobileThreatDefense",
            "Mobile threat defense connectors",
            &[Source {
                skip_when: Some(("partnerState", SkipValue::Str(&["notSetUp"]))),
                ..source(BETA, "deviceManagement/mobileThreatDefenseConnectors", "")
            }],
        )
    },
    CatalogEntry {
        refs: PARTNER_GROUPS,
        ..partner(
            "compliancePartners",
            "Compliance management partners",
            &[Source {
                skip_when: Some(("partnerState", SkipValue::Str(&["unknown"]))),
                ..source(BETA, "deviceManagement/complianceManagementPartners", "")
            }],
        )
    },
    CatalogEntry {
        refs: PARTNER_GROUPS,
        expiry: &[
            ExpiryField {
                field: "whenPartnerDevicesWillBeMarkedAsNonCompliantDateTime",
                event: "marks its devices not compliant",
                past: "marked its devices not compliant",
            },
            ExpiryField {
                field: "whenPartnerDevicesWillBeRemovedDateTime",
                event: "removes its devices",
                past: "removed its devices",
            },
        ],
        ..partner(
            "deviceManagementPartners",
            "Device management partners",
            &[Source {
                skip_when: Some(("isConfigured", SkipValue::Bool(false))),
                ..source(BETA, "deviceManagement/deviceManagementPartners", "")
            }],
        )
    },
    CatalogEntry {
        strip: &["lastConnectionDateTime", "onboardingStatus"],
        expiry: &[ExpiryField {
            field: "onboardingRequestExpiryDateTime",
            event: "onboarding request expires",
            past: "onboarding request expired",
        }],
        ..partner(
            "remoteAssistancePartners",
            "Remote assistance partners",
            &[Source {
                skip_when: Some(("onboardingStatus", SkipValue::Str(&["notOnboarded"]))),
                ..source(BETA, "deviceManagement/remoteAssistancePartners", "")
            }],
        )
    },
    // docs/graph-notes.md, "Microsoft Tunnel"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Role assignments"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Policy sets"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Entra tenant policies"
    CatalogEntry {
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
    },
    CatalogEntry {
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
    },
    CatalogEntry {
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
    },
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Authentication strengths"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Authentication contexts"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Entra tenant policies" (cross-tenant access)
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Authentication methods policy"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Cross-tenant access partners"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Directory settings"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Terms of use"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Domains"
    CatalogEntry {
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
    },
    // docs/graph-notes.md, "Conditional Access and named locations"
    CatalogEntry {
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
    },
];
