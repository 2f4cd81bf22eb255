//! Catalog entries — Device configuration: profiles, settings catalog, administrative templates, compliance, scripts,
//! remediations, update profiles and intents.

use super::*;

// docs/graph-notes.md, "Device configurations", "Secrets Graph hides"
pub(super) const DEVICE_CONFIGURATIONS: CatalogEntry = CatalogEntry {
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
};

// docs/graph-notes.md, "Update rings"
pub(super) const WINDOWS_UPDATE_RINGS: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
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
};

// docs/graph-notes.md, "Settings catalog"
pub(super) const SETTINGS_CATALOG: CatalogEntry = CatalogEntry {
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
};

// docs/graph-notes.md, "Administrative templates"
pub(super) const ADMINISTRATIVE_TEMPLATES: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
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
};

// docs/graph-notes.md, "Compliance policies"
pub(super) const COMPLIANCE_POLICIES: CatalogEntry = CatalogEntry {
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
};

// docs/graph-notes.md, "Compliance policies" (settings-catalog compliance)
pub(super) const COMPLIANCE_V2: CatalogEntry = CatalogEntry {
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
};

// docs/graph-notes.md, "Scripts"
pub(super) const POWERSHELL_SCRIPTS: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
    sidecars: &[SCRIPT],
    assignments: SCRIPT_ASSIGN,
    ..policy(
        "powershellScripts",
        "PowerShell scripts (Windows)",
        &[script_source("deviceManagement/deviceManagementScripts")],
    )
};

pub(super) const SHELL_SCRIPTS: CatalogEntry = CatalogEntry {
    platform: Some("macOS"),
    sidecars: &[SHELL_SCRIPT],
    assignments: SCRIPT_ASSIGN,
    ..policy(
        "shellScripts",
        "Shell scripts (macOS)",
        &[script_source("deviceManagement/deviceShellScripts")],
    )
};

pub(super) const REMEDIATIONS: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
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
};

pub(super) const CUSTOM_ATTRIBUTE_SCRIPTS: CatalogEntry = CatalogEntry {
    platform: Some("macOS"),
    sidecars: &[SHELL_SCRIPT],
    assignments: SCRIPT_ASSIGN,
    ..policy(
        "customAttributeScripts",
        "Custom attribute scripts (macOS)",
        &[script_source(
            "deviceManagement/deviceCustomAttributeShellScripts",
        )],
    )
};

// docs/graph-notes.md, "Windows Update profiles"
pub(super) const FEATURE_UPDATE_PROFILES: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
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
};

pub(super) const QUALITY_UPDATE_PROFILES: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
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
};

pub(super) const DRIVER_UPDATE_PROFILES: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
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
};

// docs/graph-notes.md, "Intents"
pub(super) const INTENTS: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
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
};
