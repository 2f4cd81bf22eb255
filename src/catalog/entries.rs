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
    }
}

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
        name_field: "displayName",
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
        }),
        restore_order: 40,
        ..policy(
            "namedLocations",
            "Named locations (Entra)",
            &[source(V1, "identity/conditionalAccess/namedLocations", "")],
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
        name_field: "name",
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
        ],
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
        name_field: "name",
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
                    },
                    Nav {
                        path: "assignments",
                        query: "",
                        complete: None,
                    },
                ],
                ..source(BETA, "deviceManagement/intents", "")
            }],
        )
    },
    // docs/graph-notes.md, "App categories"
    CatalogEntry {
        assignments: None,
        scope_tags: ScopeTagField::None,
        read_permission: APPS_READ,
        write_permission: APPS_WRITE,
        ..policy(
            "appCategories",
            "App categories",
            &[source(BETA, "deviceAppManagement/mobileAppCategories", "")],
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
                }],
                ..source(BETA, "deviceManagement/termsAndConditions", "")
            }],
        )
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
                path: "conditions.locations.includeLocations",
                kind: RefKind::NamedLocations,
            },
            RefField {
                path: "conditions.locations.excludeLocations",
                kind: RefKind::NamedLocations,
            },
        ],
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
