//! The catalog table: one `CatalogEntry` per policy type, written from docs/graph-notes.md (section
//! noted per entry).
//!
//! Listed in restore order (docs/graph-notes.md, "Restore order"): scope tags, filters,
//! notification templates, named locations, then policies, then Conditional Access.

use super::*;

mod apps;
mod config;
mod enrollment;
mod entra;
mod tenant;

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
        platform: None,
    }
}

pub static CATALOG: &[CatalogEntry] = &[
    tenant::SCOPE_TAGS,
    tenant::ASSIGNMENT_FILTERS,
    tenant::NOTIFICATION_TEMPLATES,
    entra::NAMED_LOCATIONS,
    tenant::REUSABLE_SETTINGS,
    tenant::COMPLIANCE_SCRIPTS,
    apps::APP_CATEGORIES,
    apps::APPS,
    config::DEVICE_CONFIGURATIONS,
    config::WINDOWS_UPDATE_RINGS,
    config::SETTINGS_CATALOG,
    config::ADMINISTRATIVE_TEMPLATES,
    config::COMPLIANCE_POLICIES,
    config::COMPLIANCE_V2,
    config::POWERSHELL_SCRIPTS,
    config::SHELL_SCRIPTS,
    config::REMEDIATIONS,
    config::CUSTOM_ATTRIBUTE_SCRIPTS,
    config::FEATURE_UPDATE_PROFILES,
    config::QUALITY_UPDATE_PROFILES,
    config::DRIVER_UPDATE_PROFILES,
    apps::APP_PROTECTION_POLICIES,
    apps::APP_CONFIGURATIONS,
    enrollment::AUTOPILOT_PROFILES,
    enrollment::ENROLLMENT_STATUS_PAGES,
    enrollment::ENROLLMENT_RESTRICTIONS,
    config::INTENTS,
    tenant::UPLOADED_ADMX_FILES,
    tenant::DEVICE_CATEGORIES,
    tenant::TERMS_AND_CONDITIONS,
    tenant::CUSTOM_ROLES,
    tenant::BRANDING_PROFILES,
    tenant::APPROVAL_POLICIES,
    tenant::CLOUD_PC_PROVISIONING,
    tenant::CLOUD_PC_USER_SETTINGS,
    tenant::TUNNEL_CONFIGURATIONS,
    enrollment::ANDROID_ENROLLMENT_PROFILES,
    tenant::TENANT_SETTINGS,
    enrollment::APPLE_PUSH_CERTIFICATE,
    enrollment::MANAGED_GOOGLE_PLAY,
    enrollment::VPP_TOKENS,
    enrollment::APPLE_ENROLLMENT_PROFILES,
    enrollment::APPLE_ENROLLMENT_TOKENS,
    enrollment::MOBILE_THREAT_DEFENSE,
    enrollment::COMPLIANCE_PARTNERS,
    enrollment::DEVICE_MANAGEMENT_PARTNERS,
    enrollment::REMOTE_ASSISTANCE_PARTNERS,
    tenant::TUNNEL_SITES,
    tenant::ROLE_ASSIGNMENTS,
    apps::POLICY_SETS,
    entra::AUTHORIZATION_POLICY,
    entra::AUTHENTICATION_FLOWS_POLICY,
    entra::DEVICE_REGISTRATION_POLICY,
    entra::SECURITY_DEFAULTS,
    entra::AUTHENTICATION_STRENGTHS,
    entra::AUTHENTICATION_CONTEXTS,
    entra::CROSS_TENANT_ACCESS_DEFAULTS,
    entra::AUTHENTICATION_METHODS_POLICY,
    entra::CROSS_TENANT_ACCESS_PARTNERS,
    entra::DIRECTORY_SETTINGS,
    entra::TERMS_OF_USE,
    entra::DOMAINS,
    entra::CONDITIONAL_ACCESS,
];
