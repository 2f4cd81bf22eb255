//! The emulator's own table of Microsoft Graph behaviour, written from docs/graph-notes.md.
//!
//! Deliberately independent of the crate's `catalog`: two readings of Graph catch each other's
//! mistakes. Every row cites the docs/graph-notes.md section it comes from.

pub(crate) use super::coll::{Assign, BuiltIn, Coll, ExpandAssignments, Target, Ver, VersionKind};

const CFG_R: &str = "DeviceManagementConfiguration.Read.All";
const CFG_W: &[&str] = &["DeviceManagementConfiguration.ReadWrite.All"];
const APP_R: &str = "DeviceManagementApps.Read.All";
const APP_W: &[&str] = &["DeviceManagementApps.ReadWrite.All"];
const SVC_R: &str = "DeviceManagementServiceConfig.Read.All";
const SVC_W: &[&str] = &["DeviceManagementServiceConfig.ReadWrite.All"];
const RBAC_R: &str = "DeviceManagementRBAC.Read.All";
const CLOUD_PC_R: &str = "CloudPC.Read.All";
const CLOUD_PC_W: &[&str] = &["CloudPC.ReadWrite.All"];
const RBAC_W: &[&str] = &["DeviceManagementRBAC.ReadWrite.All"];

/// Read-only fields of every entity (docs/graph-notes.md, "Read-only fields").
pub(crate) const COMMON_READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "modifiedDateTime",
    "version",
    "isAssigned",
    "supportsScopeTags",
    "settingCount",
    "isGlobalScript",
    "highestAvailableVersion",
    "deployedAppCount",
    "isBuiltIn",
];

/// Branding images (docs/graph-notes.md, "Branding profiles").
const BRANDING_IMAGES: &[&str] = &[
    "themeColorLogo",
    "lightBackgroundLogo",
    "landingPageCustomizedImage",
];

const fn coll(path: &'static str, base_type: &'static str) -> Coll {
    Coll {
        path,
        primary: Ver::Beta,
        both: false,
        base_type,
        polymorphic: false,
        type_hint: "",
        read_role: CFG_R,
        write_roles: CFG_W,
        page: 100,
        navs: &["assignments"],
        lazy: &[],
        list_omits: &[],
        select_only: &[],
        patch: 200,
        delete: 200,
        put: false,
        assign: Assign::Replace {
            key: "assignments",
            value: false,
        },
        version: VersionKind::None,
        numeric_id: false,
        missing: 404,
        modified: &["lastModifiedDateTime"],
        created: true,
        read_only: &[],
        writable: true,
        patch_type: false,
        patch_refused: &[],
        immutable: &[],
        built_in: BuiltIn::None,
        reference_data: false,
        mapped_by_name: false,
        stable_ids: false,
        definitions: None,
        instances: None,
        block_rule: false,
        rules_by_expand_only: false,
        set_priority: false,
        typed_ids: false,
        update_settings: false,
        target: Target::No,
        scope_tags: true,
        counts_settings: false,
        create_defaults: &[],
        expand_assignments: ExpandAssignments::Stored,
        list_expand: true,
        assignments_route: true,
        per_target: false,
        assignment_source: true,
        advanced_query: false,
        managed_app_policy: false,
        list_tip: false,
        singleton: false,
        beta_collection: false,
        named_by_template: false,
        client_ids: false,
        inline_navs: &[],
        strength: false,
        apps: false,
        policy_sets: false,
        binds: &[],
        property_routes: &[],
        create_refused: &[],
        links: &[],
        alternate_keys: &[],
        key: "id",
        child_refused: &[],
    }
}

/// A partner connection (docs/graph-notes.md, "Connectors and tokens"): no assignments, no
/// scope tags, no timestamps but the partner's heartbeat.
const fn partner(path: &'static str, base_type: &'static str) -> Coll {
    Coll {
        read_role: SVC_R,
        write_roles: SVC_W,
        navs: &[],
        assign: Assign::No,
        scope_tags: false,
        created: false,
        modified: &[],
        read_only: &["lastHeartbeatDateTime", "partnerState"],
        ..coll(path, base_type)
    }
}

/// Directory objects other objects name (users, role definitions, service principals): v1.0 and
/// beta, read-only reference data a clear keeps.
const fn directory(path: &'static str, base_type: &'static str, read_role: &'static str) -> Coll {
    Coll {
        reference_data: true,
        scope_tags: false,
        primary: Ver::V1,
        both: true,
        read_role,
        writable: false,
        assign: Assign::No,
        navs: &[],
        ..coll(path, base_type)
    }
}

/// An Entra tenant policy (docs/graph-notes.md, "Entra tenant policies"): a v1.0 singleton, also
/// in beta, whose service-set name and description a write leaves alone.
const fn entra_policy(path: &'static str, base_type: &'static str) -> Coll {
    Coll {
        primary: Ver::V1,
        both: true,
        read_role: "Policy.Read.All",
        patch: 204,
        modified: &[],
        read_only: &["displayName", "description", "deletedDateTime"],
        ..singleton(path, base_type)
    }
}

/// A singleton: one object at `path`, read and patched, never created, deleted or assigned
/// (docs/ARCHITECTURE.md, "Singletons").
const fn singleton(path: &'static str, base_type: &'static str) -> Coll {
    Coll {
        singleton: true,
        built_in: BuiltIn::Singleton,
        navs: &[],
        assign: Assign::No,
        scope_tags: false,
        created: false,
        ..coll(path, base_type)
    }
}

const SCRIPT_ASSIGN: Assign = Assign::Replace {
    key: "deviceManagementScriptAssignments",
    value: false,
};
const VALUE_ASSIGN: Assign = Assign::Replace {
    key: "assignments",
    value: true,
};

/// The table. Order matters only for readability.
pub(crate) static COLLECTIONS: &[Coll] = &[
    // docs/graph-notes.md, "Device configurations": polymorphic, int version, PATCH 204, assign 200
    // value; also v1.0.
    Coll {
        both: true,
        polymorphic: true,
        type_hint: "Configuration",
        patch: 204,
        patch_type: true,
        assign: VALUE_ASSIGN,
        version: VersionKind::Int,
        ..coll(
            "deviceManagement/deviceConfigurations",
            "#microsoft.graph.deviceConfiguration",
        )
    },
    // docs/graph-notes.md, "Settings catalog": 25 per page, settings nav, PUT, missing id → 400.
    Coll {
        counts_settings: true,
        expand_assignments: ExpandAssignments::EmptyById,
        list_tip: true,
        page: 25,
        navs: &["assignments", "settings"],
        put: true,
        assign: VALUE_ASSIGN,
        missing: 400,
        patch: 204,
        read_only: &[
            "creationSource",
            "templateFamily",
            "templateDisplayName",
            "templateDisplayVersion",
        ],
        ..coll(
            "deviceManagement/configurationPolicies",
            "#microsoft.graph.deviceManagementConfigurationPolicy",
        )
    },
    // docs/graph-notes.md, "Compliance policies" (settings-catalog compliance,
    // configurationPolicies shape).
    Coll {
        counts_settings: true,
        list_tip: true,
        page: 25,
        navs: &["assignments", "settings", "scheduledActionsForRule"],
        put: true,
        assign: VALUE_ASSIGN,
        missing: 400,
        patch: 204,
        read_only: &["creationSource"],
        ..coll(
            "deviceManagement/compliancePolicies",
            "#microsoft.graph.deviceManagementCompliancePolicy",
        )
    },
    // docs/graph-notes.md, "Administrative templates": DELETE 204.
    Coll {
        definitions: Some(ADMX_DEFINITIONS),
        navs: &["assignments", "definitionValues"],
        delete: 204,
        patch: 204,
        assign: VALUE_ASSIGN,
        read_only: &["policyConfigurationIngestionType"],
        ..coll(
            "deviceManagement/groupPolicyConfigurations",
            "#microsoft.graph.groupPolicyConfiguration",
        )
    },
    // docs/graph-notes.md, "Compliance policies": polymorphic, int version, PATCH 204, also v1.0.
    Coll {
        block_rule: true,
        rules_by_expand_only: true,
        both: true,
        polymorphic: true,
        type_hint: "CompliancePolicy",
        navs: &["assignments", "scheduledActionsForRule"],
        patch: 204,
        patch_type: true,
        assign: VALUE_ASSIGN,
        version: VersionKind::Int,
        ..coll(
            "deviceManagement/deviceCompliancePolicies",
            "#microsoft.graph.deviceCompliancePolicy",
        )
    },
    // docs/graph-notes.md, "Scripts": lazy content, PATCH 200.
    Coll {
        lazy: &["scriptContent"],
        assign: SCRIPT_ASSIGN,
        ..coll(
            "deviceManagement/deviceManagementScripts",
            "#microsoft.graph.deviceManagementScript",
        )
    },
    Coll {
        assignments_route: false,
        lazy: &["scriptContent"],
        assign: SCRIPT_ASSIGN,
        ..coll(
            "deviceManagement/deviceShellScripts",
            "#microsoft.graph.deviceShellScript",
        )
    },
    Coll {
        assignments_route: false,
        lazy: &["scriptContent"],
        assign: SCRIPT_ASSIGN,
        ..coll(
            "deviceManagement/deviceCustomAttributeShellScripts",
            "#microsoft.graph.deviceCustomAttributeShellScript",
        )
    },
    Coll {
        built_in: BuiltIn::GlobalScript,
        create_defaults: &[("deviceHealthScriptType", "deviceHealthScript")],
        lazy: &["detectionScriptContent", "remediationScriptContent"],
        assign: Assign::Replace {
            key: "deviceHealthScriptAssignments",
            value: false,
        },
        version: VersionKind::Str,
        read_only: &["deviceHealthScriptType"],
        ..coll(
            "deviceManagement/deviceHealthScripts",
            "#microsoft.graph.deviceHealthScript",
        )
    },
    // docs/graph-notes.md, "Compliance scripts": lazy content like the other scripts, a string
    // version, the remediations' assign key.
    Coll {
        lazy: &["detectionScriptContent"],
        mapped_by_name: true,
        assign: Assign::Replace {
            key: "deviceHealthScriptAssignments",
            value: false,
        },
        version: VersionKind::Str,
        ..coll(
            "deviceManagement/deviceComplianceScripts",
            "#microsoft.graph.deviceComplianceScript",
        )
    },
    // docs/graph-notes.md, "Windows Update profiles".
    Coll {
        read_only: &["deployableContentDisplayName", "endOfSupportDate"],
        ..coll(
            "deviceManagement/windowsFeatureUpdateProfiles",
            "#microsoft.graph.windowsFeatureUpdateProfile",
        )
    },
    Coll {
        read_only: &["releaseDateDisplayName", "deployableContentDisplayName"],
        ..coll(
            "deviceManagement/windowsQualityUpdateProfiles",
            "#microsoft.graph.windowsQualityUpdateProfile",
        )
    },
    Coll {
        read_only: &["deviceReporting", "newUpdates", "inventorySyncStatus"],
        ..coll(
            "deviceManagement/windowsDriverUpdateProfiles",
            "#microsoft.graph.windowsDriverUpdateProfile",
        )
    },
    // docs/graph-notes.md, "Autopilot profiles": polymorphic, service config perms, assignments per
    // target.
    Coll {
        polymorphic: true,
        type_hint: "AutopilotDeploymentProfile",
        read_role: SVC_R,
        write_roles: SVC_W,
        assign: Assign::Devices,
        per_target: true,
        ..coll(
            "deviceManagement/windowsAutopilotDeploymentProfiles",
            "#microsoft.graph.windowsAutopilotDeploymentProfile",
        )
    },
    // docs/graph-notes.md, "Enrollment configurations".
    Coll {
        built_in: BuiltIn::DefaultEnrollment,
        set_priority: true,
        typed_ids: true,
        polymorphic: true,
        type_hint: "Configuration",
        read_role: SVC_R,
        write_roles: SVC_W,
        assign: Assign::Replace {
            key: "enrollmentConfigurationAssignments",
            value: false,
        },
        version: VersionKind::Int,
        read_only: &["priority", "deviceEnrollmentConfigurationType"],
        patch_refused: &[
            "priority",
            "deviceEnrollmentConfigurationType",
            "platformType",
        ],
        ..coll(
            "deviceManagement/deviceEnrollmentConfigurations",
            "#microsoft.graph.deviceEnrollmentConfiguration",
        )
    },
    // docs/graph-notes.md, "Scope tags": numeric ids, RBAC perms, assign 200 value.
    Coll {
        built_in: BuiltIn::ScopeTag,
        mapped_by_name: true,
        scope_tags: false,
        expand_assignments: ExpandAssignments::Empty,
        read_role: RBAC_R,
        write_roles: RBAC_W,
        assign: VALUE_ASSIGN,
        numeric_id: true,
        created: false,
        ..coll(
            "deviceManagement/roleScopeTags",
            "#microsoft.graph.roleScopeTag",
        )
    },
    // docs/graph-notes.md, "Assignment filters": no assignments.
    Coll {
        mapped_by_name: true,
        target: Target::Filter,
        scope_tags: false,
        navs: &[],
        assign: Assign::No,
        read_only: &["payloads"],
        immutable: &["platform"],
        ..coll(
            "deviceManagement/assignmentFilters",
            "#microsoft.graph.deviceAndAppManagementAssignmentFilter",
        )
    },
    // docs/graph-notes.md, "Notification templates" (also v1.0).
    Coll {
        mapped_by_name: true,
        both: true,
        read_role: SVC_R,
        write_roles: SVC_W,
        navs: &["localizedNotificationMessages"],
        assign: Assign::No,
        patch: 204,
        created: false,
        ..coll(
            "deviceManagement/notificationMessageTemplates",
            "#microsoft.graph.notificationMessageTemplate",
        )
    },
    // docs/graph-notes.md, "Intents".
    Coll {
        update_settings: true,
        navs: &["assignments", "settings"],
        patch: 204,
        created: false,
        read_only: &["isMigratingToConfigurationPolicy"],
        ..coll(
            "deviceManagement/intents",
            "#microsoft.graph.deviceManagementIntent",
        )
    },
    // docs/graph-notes.md, "Microsoft Tunnel": a site names its server configuration inline,
    // answered only by `/{id}/microsoftTunnelConfiguration`; no assignments, no timestamps.
    Coll {
        navs: &[],
        assign: Assign::No,
        created: false,
        modified: &[],
        read_only: &["upgradeAvailable"],
        property_routes: &["microsoftTunnelConfiguration"],
        links: &[(
            "microsoftTunnelConfiguration",
            "deviceManagement/microsoftTunnelConfigurations",
        )],
        ..coll(
            "deviceManagement/microsoftTunnelSites",
            "#microsoft.graph.microsoftTunnelSite",
        )
    },
    // docs/graph-notes.md, "Branding profiles": images only through their own GET and refused by
    // a create; the default profile built in; PATCH 204, assign 204.
    Coll {
        read_role: APP_R,
        write_roles: APP_W,
        patch: 204,
        property_routes: BRANDING_IMAGES,
        create_refused: BRANDING_IMAGES,
        built_in: BuiltIn::DefaultProfile,
        read_only: &["isDefaultProfile"],
        ..coll(
            "deviceManagement/intuneBrandingProfiles",
            "#microsoft.graph.intuneBrandingProfile",
        )
    },
    // docs/graph-notes.md, "Role assignments": the role set by `roleDefinition@odata.bind` on
    // create and answered by `$expand=roleDefinition`; RBAC permissions; no timestamps.
    Coll {
        read_role: RBAC_R,
        write_roles: RBAC_W,
        navs: &["roleDefinition"],
        assign: Assign::No,
        binds: &[("roleDefinition", "deviceManagement/roleDefinitions")],
        created: false,
        modified: &[],
        ..coll(
            "deviceManagement/roleAssignments",
            "#microsoft.graph.deviceAndAppManagementRoleAssignment",
        )
    },
    // docs/graph-notes.md, "Policy sets": items and assignments by `$expand` on a GET by id only
    // (a list refuses it), written through the `update` action; scope tags in `roleScopeTags`.
    Coll {
        navs: &["assignments", "items"],
        assign: Assign::No,
        list_expand: false,
        scope_tags: false,
        patch: 204,
        read_only: &["status", "errorCode"],
        policy_sets: true,
        ..coll(
            "deviceAppManagement/policySets",
            "#microsoft.graph.policySet",
        )
    },
    // docs/graph-notes.md, "Reusable settings": the setting instance only when selected, no
    // assignments, no scope tags, a missing id answered 400, PATCH 204 (PUT also accepted).
    Coll {
        navs: &[],
        assign: Assign::No,
        scope_tags: false,
        select_only: &["settingInstance"],
        mapped_by_name: true,
        missing: 400,
        patch: 204,
        put: true,
        version: VersionKind::Int,
        read_only: &["referencingConfigurationPolicyCount"],
        ..coll(
            "deviceManagement/reusablePolicySettings",
            "#microsoft.graph.deviceManagementReusablePolicySetting",
        )
    },
    // docs/graph-notes.md, "App categories": no assignments, no scope tags, PATCH 200.
    Coll {
        mapped_by_name: true,
        read_role: APP_R,
        write_roles: APP_W,
        navs: &[],
        assign: Assign::No,
        scope_tags: false,
        created: false,
        ..coll(
            "deviceAppManagement/mobileAppCategories",
            "#microsoft.graph.mobileAppCategory",
        )
    },
    // docs/graph-notes.md, "Custom roles": RBAC permissions, no timestamps, built-ins kept;
    // role assignments are a collection of their own, not served here.
    Coll {
        read_role: RBAC_R,
        write_roles: RBAC_W,
        navs: &[],
        assign: Assign::No,
        created: false,
        modified: &[],
        built_in: BuiltIn::Role,
        // Intune's roles are the derived deviceAndAppManagementRoleDefinition.
        polymorphic: true,
        read_only: &["isBuiltInRoleDefinition"],
        ..coll(
            "deviceManagement/roleDefinitions",
            "#microsoft.graph.roleDefinition",
        )
    },
    // docs/graph-notes.md, "Multi-admin approval policies": no assignments, no scope tags, only a
    // modification time.
    Coll {
        read_role: RBAC_R,
        write_roles: RBAC_W,
        navs: &[],
        assign: Assign::No,
        scope_tags: false,
        created: false,
        ..coll(
            "deviceManagement/operationApprovalPolicies",
            "#microsoft.graph.operationApprovalPolicy",
        )
    },
    // docs/graph-notes.md, "Device categories": no assignments, PATCH 200 with the object.
    Coll {
        navs: &[],
        assign: Assign::No,
        created: false,
        modified: &[],
        ..coll(
            "deviceManagement/deviceCategories",
            "#microsoft.graph.deviceCategory",
        )
    },
    // docs/graph-notes.md, "Uploaded ADMX files": no assignments or scope tags; the content and
    // language files are never answered (null and empty). Read-only here: uploads are
    // asynchronous and the tool does not restore them.
    Coll {
        assign: Assign::No,
        scope_tags: false,
        navs: &[],
        writable: false,
        created: false,
        ..coll(
            "deviceManagement/groupPolicyUploadedDefinitionFiles",
            "#microsoft.graph.groupPolicyUploadedDefinitionFile",
        )
    },
    // docs/graph-notes.md, "Terms and conditions": assignments one target at a time through
    // `/{id}/assignments` (no `assign` action; `$expand=assignments` answers none), a
    // `modifiedDateTime` beside `lastModifiedDateTime`, an integer `version`.
    Coll {
        read_role: SVC_R,
        write_roles: SVC_W,
        assign: Assign::No,
        expand_assignments: ExpandAssignments::Empty,
        per_target: true,
        assignment_source: false,
        version: VersionKind::Int,
        modified: &["modifiedDateTime", "lastModifiedDateTime"],
        ..coll(
            "deviceManagement/termsAndConditions",
            "#microsoft.graph.termsAndConditions",
        )
    },
    // docs/graph-notes.md, "Intents", templates: published by Microsoft, read-only; categories
    // (with their setting definitions and recommended settings) and default settings stored inline.
    Coll {
        reference_data: true,
        instances: Some("deviceManagement/intents"),
        polymorphic: true,
        navs: &["categories", "settings"],
        assign: Assign::No,
        writable: false,
        created: false,
        ..coll(
            INTENT_TEMPLATES,
            "#microsoft.graph.deviceManagementTemplate",
        )
    },
    // docs/graph-notes.md, "Administrative templates", reference data: ADMX definitions with inline
    // presentations.
    Coll {
        reference_data: true,
        stable_ids: true,
        navs: &[],
        assign: Assign::No,
        writable: false,
        ..coll(ADMX_DEFINITIONS, "#microsoft.graph.groupPolicyDefinition")
    },
    // docs/graph-notes.md, "Reading settings catalog policies", reference data:
    // settings catalog definitions (the `configurationSettings` collection),
    // attached to setting items by `settings?$expand=settingDefinitions`.
    Coll {
        reference_data: true,
        stable_ids: true,
        navs: &[],
        assign: Assign::No,
        writable: false,
        created: false,
        ..coll(
            SETTING_DEFINITIONS,
            "#microsoft.graph.deviceManagementConfigurationSettingDefinition",
        )
    },
    // docs/graph-notes.md, "App protection policies": MAM typed collections.
    Coll {
        managed_app_policy: true,
        read_role: APP_R,
        write_roles: APP_W,
        navs: &["assignments", "apps"],
        patch: 204,
        ..coll(
            "deviceAppManagement/iosManagedAppProtections",
            "#microsoft.graph.iosManagedAppProtection",
        )
    },
    Coll {
        managed_app_policy: true,
        read_role: APP_R,
        write_roles: APP_W,
        navs: &["assignments", "apps"],
        patch: 204,
        ..coll(
            "deviceAppManagement/androidManagedAppProtections",
            "#microsoft.graph.androidManagedAppProtection",
        )
    },
    Coll {
        managed_app_policy: true,
        read_role: APP_R,
        write_roles: APP_W,
        navs: &["assignments", "apps"],
        patch: 204,
        ..coll(
            "deviceAppManagement/windowsManagedAppProtections",
            "#microsoft.graph.windowsManagedAppProtection",
        )
    },
    // docs/graph-notes.md, "App configurations"
    Coll {
        managed_app_policy: true,
        list_expand: false,
        read_role: APP_R,
        write_roles: APP_W,
        navs: &["assignments", "apps"],
        patch: 204,
        ..coll(
            "deviceAppManagement/targetedManagedAppConfigurations",
            "#microsoft.graph.targetedManagedAppConfiguration",
        )
    },
    // docs/graph-notes.md, "App configurations": managed device app configurations (also v1.0),
    // polymorphic, PATCH 204.
    Coll {
        both: true,
        polymorphic: true,
        type_hint: "AppConfiguration",
        read_role: APP_R,
        write_roles: APP_W,
        patch: 204,
        ..coll(
            "deviceAppManagement/mobileAppConfigurations",
            "#microsoft.graph.managedDeviceMobileAppConfiguration",
        )
    },
    // docs/graph-notes.md, "Apps": polymorphic, PATCH 204 naming the type, navigations refused in
    // a PATCH, assignments under `mobileAppAssignments` (204), categories by `$ref`, relationships
    // by `updateRelationships`; the icon and scope tags only on a GET by id; Microsoft's global
    // apps kept by a clear.
    Coll {
        polymorphic: true,
        patch_type: true,
        read_role: APP_R,
        write_roles: APP_W,
        navs: &["assignments", "categories", "relationships"],
        list_omits: &["largeIcon", "roleScopeTagIds"],
        patch: 204,
        assign: Assign::Replace {
            key: "mobileAppAssignments",
            value: false,
        },
        read_only: &[
            "uploadState",
            "publishingState",
            "dependentAppCount",
            "supersedingAppCount",
            "supersededAppCount",
            "size",
            "committedContentVersion",
            "manifestHash",
            "usedLicenseCount",
            "totalLicenseCount",
        ],
        immutable: &["packageIdentifier"],
        built_in: BuiltIn::GlobalApp,
        mapped_by_name: true,
        apps: true,
        ..coll(
            "deviceAppManagement/mobileApps",
            "#microsoft.graph.mobileApp",
        )
    },
    // docs/graph-notes.md, "Windows 365 Cloud PC": CloudPC permissions, PATCH 204, assign 204,
    // group targets of their own type, scope tags in `scopeIds`, the kind of policy fixed.
    Coll {
        read_role: CLOUD_PC_R,
        write_roles: CLOUD_PC_W,
        patch: 204,
        scope_tags: false,
        immutable: &["provisioningType", "userExperienceType"],
        read_only: &[
            "alternateResourceUrl",
            "cloudPcGroupDisplayName",
            "createdBy",
            "lastModifiedBy",
            "gracePeriodInHours",
        ],
        ..coll(
            "deviceManagement/virtualEndpoint/provisioningPolicies",
            "#microsoft.graph.cloudPcProvisioningPolicy",
        )
    },
    Coll {
        read_role: CLOUD_PC_R,
        write_roles: CLOUD_PC_W,
        patch: 204,
        scope_tags: false,
        ..coll(
            "deviceManagement/virtualEndpoint/userSettings",
            "#microsoft.graph.cloudPcUserSetting",
        )
    },
    // docs/graph-notes.md, "Microsoft Tunnel": no assignments, `lastUpdateDateTime`.
    Coll {
        navs: &[],
        assign: Assign::No,
        created: false,
        modified: &["lastUpdateDateTime"],
        ..coll(
            "deviceManagement/microsoftTunnelConfigurations",
            "#microsoft.graph.microsoftTunnelConfiguration",
        )
    },
    // docs/graph-notes.md, "Android Enterprise enrollment profiles": no assignments; the token and
    // its QR code are the service's.
    Coll {
        read_role: SVC_R,
        write_roles: SVC_W,
        navs: &[],
        assign: Assign::No,
        read_only: &[
            "tokenValue",
            "qrCodeContent",
            "qrCodeImage",
            "tokenCreationDateTime",
            "enrolledDeviceCount",
            "enrollmentTokenUsageCount",
        ],
        ..coll(
            "deviceManagement/androidDeviceOwnerEnrollmentProfiles",
            "#microsoft.graph.androidDeviceOwnerEnrollmentProfile",
        )
    },
    // docs/graph-notes.md, "Tenant settings": the `deviceManagement` singleton; PATCH 204.
    Coll {
        patch: 204,
        modified: &[],
        read_only: &[
            "subscriptionState",
            "intuneAccountId",
            "accountMoveCompletionDateTime",
        ],
        ..singleton("deviceManagement", "#microsoft.graph.deviceManagement")
    },
    // docs/graph-notes.md, "Connectors and tokens": singletons whose writes are uploads and
    // bindings; served for reads.
    Coll {
        read_role: SVC_R,
        write_roles: SVC_W,
        read_only: &["certificateSerialNumber"],
        ..singleton(
            "deviceManagement/applePushNotificationCertificate",
            "#microsoft.graph.applePushNotificationCertificate",
        )
    },
    Coll {
        ..singleton(
            "deviceManagement/androidManagedStoreAccountEnterpriseSettings",
            "#microsoft.graph.androidManagedStoreAccountEnterpriseSettings",
        )
    },
    // docs/graph-notes.md, "Connectors and tokens": collections of tokens and partner
    // connections; no assignments; partners carry no scope tags and no timestamps of their own.
    Coll {
        read_role: SVC_R,
        write_roles: SVC_W,
        navs: &[],
        assign: Assign::No,
        created: false,
        read_only: &[
            "lastSyncDateTime",
            "lastSyncStatus",
            "state",
            "tokenActionResults",
        ],
        ..coll("deviceAppManagement/vppTokens", "#microsoft.graph.vppToken")
    },
    Coll {
        read_role: SVC_R,
        write_roles: SVC_W,
        navs: &["enrollmentProfiles"],
        assign: Assign::No,
        created: false,
        read_only: &[
            "lastSuccessfulSyncDateTime",
            "lastSyncTriggeredDateTime",
            "lastSyncErrorCode",
            "syncedDeviceCount",
        ],
        ..coll(
            "deviceManagement/depOnboardingSettings",
            "#microsoft.graph.depOnboardingSetting",
        )
    },
    Coll {
        modified: &[],
        read_only: &["lastHeartbeatDateTime", "partnerState"],
        ..partner(
            "deviceManagement/mobileThreatDefenseConnectors",
            "#microsoft.graph.mobileThreatDefenseConnector",
        )
    },
    partner(
        "deviceManagement/complianceManagementPartners",
        "#microsoft.graph.complianceManagementPartner",
    ),
    partner(
        "deviceManagement/deviceManagementPartners",
        "#microsoft.graph.deviceManagementPartner",
    ),
    Coll {
        read_only: &["lastConnectionDateTime", "onboardingStatus"],
        ..partner(
            "deviceManagement/remoteAssistancePartners",
            "#microsoft.graph.remoteAssistancePartner",
        )
    },
    // docs/graph-notes.md, "Entra tenant policies": v1.0 and beta, PATCH 204, service texts
    // read-only; the device registration policy is beta and replaced by PUT (200).
    Coll {
        primary: Ver::Beta,
        beta_collection: true,
        write_roles: &["Policy.ReadWrite.Authorization"],
        ..entra_policy(
            "policies/authorizationPolicy",
            "#microsoft.graph.authorizationPolicy",
        )
    },
    // docs/graph-notes.md, "Authentication methods policy": the method configurations answered
    // inline and as their own routes, each PATCHed by its id; the policy's version and
    // modification time are the service's.
    Coll {
        write_roles: &["Policy.ReadWrite.AuthenticationMethod"],
        navs: &["authenticationMethodConfigurations"],
        inline_navs: &["authenticationMethodConfigurations"],
        child_refused: &["featureSettings.numberMatchingRequiredState"],
        modified: &["lastModifiedDateTime"],
        read_only: &["displayName", "description", "policyVersion"],
        ..entra_policy(
            "policies/authenticationMethodsPolicy",
            "#microsoft.graph.authenticationMethodsPolicy",
        )
    },
    Coll {
        write_roles: &["Policy.ReadWrite.AuthenticationFlows"],
        ..entra_policy(
            "policies/authenticationFlowsPolicy",
            "#microsoft.graph.authenticationFlowsPolicy",
        )
    },
    Coll {
        write_roles: &["Policy.ReadWrite.ConditionalAccess"],
        ..entra_policy(
            "policies/identitySecurityDefaultsEnforcementPolicy",
            "#microsoft.graph.identitySecurityDefaultsEnforcementPolicy",
        )
    },
    Coll {
        primary: Ver::Beta,
        both: false,
        read_role: "Policy.Read.DeviceConfiguration",
        write_roles: &["Policy.ReadWrite.DeviceConfiguration"],
        put: true,
        ..entra_policy(
            "policies/deviceRegistrationPolicy",
            "#microsoft.graph.deviceRegistrationPolicy",
        )
    },
    Coll {
        write_roles: &["Policy.ReadWrite.CrossTenantAccess"],
        read_only: &["isServiceDefault"],
        ..entra_policy(
            "policies/crossTenantAccessPolicy/default",
            "#microsoft.graph.crossTenantAccessPolicyConfigurationDefault",
        )
    },
    // docs/graph-notes.md, "Authentication strengths": built-ins kept, combinations changed only by
    // their action, configurations a sub-collection answered inline, PATCH 204.
    Coll {
        primary: Ver::V1,
        both: true,
        read_role: "Policy.Read.All",
        write_roles: &["Policy.ReadWrite.ConditionalAccess"],
        navs: &["combinationConfigurations"],
        inline_navs: &["combinationConfigurations"],
        assign: Assign::No,
        scope_tags: false,
        modified: &["modifiedDateTime"],
        patch: 204,
        delete: 204,
        built_in: BuiltIn::Strength,
        strength: true,
        mapped_by_name: true,
        patch_refused: &["allowedCombinations"],
        read_only: &["policyType", "requirementsSatisfied"],
        create_defaults: &[("policyType", "custom"), ("requirementsSatisfied", "mfa")],
        ..coll(
            "policies/authenticationStrengthPolicies",
            "#microsoft.graph.authenticationStrengthPolicy",
        )
    },
    // docs/graph-notes.md, "Authentication contexts": ids `c1`…`c99` chosen by the client,
    // PATCH 204 (and an upsert), no timestamps.
    Coll {
        primary: Ver::Beta,
        both: true,
        read_role: "Policy.Read.All",
        write_roles: &["Policy.ReadWrite.ConditionalAccess"],
        navs: &[],
        assign: Assign::No,
        scope_tags: false,
        created: false,
        modified: &[],
        patch: 204,
        delete: 204,
        client_ids: true,
        ..coll(
            "identity/conditionalAccess/authenticationContextClassReferences",
            "#microsoft.graph.authenticationContextClassReference",
        )
    },
    // docs/graph-notes.md, "Directory settings": one per template, named by it; PATCH 204.
    Coll {
        read_role: "Directory.Read.All",
        write_roles: &["Directory.ReadWrite.All"],
        navs: &[],
        assign: Assign::No,
        scope_tags: false,
        created: false,
        modified: &[],
        patch: 204,
        delete: 204,
        immutable: &["templateId"],
        read_only: &["displayName"],
        named_by_template: true,
        ..coll("settings", "#microsoft.graph.directorySetting")
    },
    // docs/graph-notes.md, "Terms of use": files only through `$expand=files`, their content
    // never returned.
    Coll {
        primary: Ver::V1,
        both: true,
        read_role: "Agreement.Read.All",
        write_roles: &["Agreement.ReadWrite.All"],
        navs: &["files"],
        assign: Assign::No,
        scope_tags: false,
        created: false,
        modified: &[],
        ..coll(
            "identityGovernance/termsOfUse/agreements",
            "#microsoft.graph.agreement",
        )
    },
    // docs/graph-notes.md, "Domains": keyed by the domain name.
    Coll {
        primary: Ver::V1,
        both: true,
        read_role: "Domain.Read.All",
        write_roles: &["Domain.ReadWrite.All"],
        navs: &[],
        assign: Assign::No,
        scope_tags: false,
        created: false,
        modified: &[],
        read_only: &["state", "availabilityStatus", "isRoot", "isInitial"],
        ..coll("domains", "#microsoft.graph.domain")
    },
    // docs/graph-notes.md, "Conditional Access and named locations": Conditional Access
    // (v1.0 primary, beta too): PATCH/DELETE 204, modifiedDateTime.
    Coll {
        scope_tags: false,
        primary: Ver::V1,
        both: true,
        read_role: "Policy.Read.All",
        write_roles: &[
            "Policy.ReadWrite.ConditionalAccess",
            "Policy.Read.All",
            "Application.Read.All",
        ],
        navs: &[],
        assign: Assign::No,
        patch: 204,
        delete: 204,
        modified: &["modifiedDateTime"],
        read_only: &["templateId"],
        ..coll(
            "identity/conditionalAccess/policies",
            "#microsoft.graph.conditionalAccessPolicy",
        )
    },
    Coll {
        mapped_by_name: true,
        scope_tags: false,
        primary: Ver::V1,
        both: true,
        polymorphic: true,
        type_hint: "NamedLocation",
        read_role: "Policy.Read.All",
        write_roles: &["Policy.ReadWrite.ConditionalAccess", "Policy.Read.All"],
        navs: &[],
        assign: Assign::No,
        patch: 204,
        patch_type: true,
        delete: 204,
        modified: &["modifiedDateTime"],
        ..coll(
            "identity/conditionalAccess/namedLocations",
            "#microsoft.graph.namedLocation",
        )
    },
    // Groups for assignment remapping (docs/graph-notes.md, "Permissions", inferred permission).
    Coll {
        reference_data: true,
        target: Target::Group,
        scope_tags: false,
        advanced_query: true,
        primary: Ver::V1,
        both: true,
        read_role: "Group.Read.All",
        write_roles: &["Group.ReadWrite.All"],
        navs: &[],
        assign: Assign::No,
        patch: 204,
        delete: 204,
        modified: &["renewedDateTime"],
        ..coll("groups", "#microsoft.graph.group")
    },
    // docs/graph-notes.md, "Cross-tenant access partners": keyed by `tenantId`, answered
    // without `id`; the multi-tenant organization flag is the service's.
    Coll {
        primary: Ver::V1,
        both: true,
        read_role: "Policy.Read.All",
        write_roles: &["Policy.ReadWrite.CrossTenantAccess"],
        assign: Assign::No,
        scope_tags: false,
        navs: &[],
        created: false,
        modified: &[],
        key: "tenantId",
        patch: 204,
        delete: 204,
        immutable: &["tenantId"],
        read_only: &["isInMultiTenantOrganization"],
        ..coll(
            "policies/crossTenantAccessPolicy/partners",
            "#microsoft.graph.crossTenantAccessPolicyConfigurationPartner",
        )
    },
    // Users, directory roles and service principals Conditional Access names (docs/graph-notes.md,
    // "Conditional Access and named locations"); read-only here, the tool never writes them.
    Coll {
        advanced_query: true,
        ..directory("users", "#microsoft.graph.user", "User.Read.All")
    },
    Coll {
        // Microsoft's roles have their template ids as ids, the same in every tenant.
        built_in: BuiltIn::Role,
        ..directory(
            "roleManagement/directory/roleDefinitions",
            "#microsoft.graph.unifiedRoleDefinition",
            "RoleManagement.Read.Directory",
        )
    },
    Coll {
        advanced_query: true,
        alternate_keys: &["appId"],
        ..directory(
            "servicePrincipals",
            "#microsoft.graph.servicePrincipal",
            "Application.Read.All",
        )
    },
    // App registrations: `check` reads its own by `appId` for the expiry of its secrets and
    // certificates (docs/graph-notes.md, "App registrations and partner customers").
    Coll {
        alternate_keys: &["appId"],
        ..directory(
            "applications",
            "#microsoft.graph.application",
            "Application.Read.All",
        )
    },
    // The customer tenants a partner reaches through granular delegated admin relationships
    // (`tenants discover`; docs/graph-notes.md, "App registrations and partner customers").
    directory(
        "tenantRelationships/delegatedAdminCustomers",
        "#microsoft.graph.delegatedAdminCustomer",
        "DelegatedAdminRelationship.Read.All",
    ),
];

/// Templates intents are created from and read against (docs/graph-notes.md, "Intents").
pub(crate) const INTENT_TEMPLATES: &str = "deviceManagement/templates";
/// Setting definitions of the settings catalog (docs/graph-notes.md, "Reading settings catalog
/// policies").
pub(crate) const SETTING_DEFINITIONS: &str = "deviceManagement/configurationSettings";
/// ADMX definitions with their presentations (docs/graph-notes.md, "Administrative templates").
pub(crate) const ADMX_DEFINITIONS: &str = "deviceManagement/groupPolicyDefinitions";
/// The navigation property `$expand` attaches to each setting item of a `settings` navigation.
pub(crate) const SETTING_DEFINITIONS_NAV: &str = "settingDefinitions";

/// The polymorphic read-only view over the typed MAM collections (docs/graph-notes.md, "App
/// protection policies").
pub(crate) const MANAGED_APP_POLICIES: &str = "deviceAppManagement/managedAppPolicies";

/// The collection whose rows say `f`, e.g. `find(|c| c.target == Target::Group)`.
pub(crate) fn find(f: impl Fn(&Coll) -> bool) -> Option<&'static Coll> {
    COLLECTIONS.iter().find(|c| f(c))
}

/// Collection by its path, regardless of version.
pub(crate) fn by_path(path: &str) -> Option<&'static Coll> {
    COLLECTIONS.iter().find(|c| c.path == path)
}

/// Collection served at `path` under `ver`.
pub(crate) fn served(ver: Ver, path: &str) -> Option<&'static Coll> {
    by_path(path).filter(|c| c.primary == ver || c.both)
}

/// Every application permission some collection asks for, sorted: what a token of a client seeded
/// without a list of roles holds.
pub(crate) fn all_roles() -> Vec<String> {
    let mut roles: Vec<String> = COLLECTIONS
        .iter()
        .flat_map(|c| std::iter::once(c.read_role).chain(c.write_roles.iter().copied()))
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// Whether `roles` grant `role`; a `X.ReadWrite.Y` role implies `X.Read.Y` (docs/graph-notes.md,
/// "Permissions").
pub(crate) fn has_role(roles: Option<&[String]>, role: &str) -> bool {
    let Some(roles) = roles else { return true };
    roles.iter().any(|r| {
        r == role || (role.contains(".Read.") && *r == role.replacen(".Read.", ".ReadWrite.", 1))
    })
}

/// docs/graph-notes.md, "Enrollment configurations": the `deviceEnrollmentConfigurationType` the service gives each enrollment
/// configuration it creates, by `@odata.type`; other types get `unknown`.
const ENROLLMENT_TYPES: &[(&str, &str)] = &[
    (
        "#microsoft.graph.deviceEnrollmentLimitConfiguration",
        "limit",
    ),
    (
        "#microsoft.graph.deviceEnrollmentPlatformRestrictionsConfiguration",
        "platformRestrictions",
    ),
    (
        "#microsoft.graph.deviceEnrollmentPlatformRestrictionConfiguration",
        "singlePlatformRestriction",
    ),
    (
        "#microsoft.graph.deviceEnrollmentWindowsHelloForBusinessConfiguration",
        "windowsHelloForBusiness",
    ),
    (
        "#microsoft.graph.windows10EnrollmentCompletionPageConfiguration",
        "windows10EnrollmentCompletionPageConfiguration",
    ),
    (
        "#microsoft.graph.deviceComanagementAuthorityConfiguration",
        "deviceComanagementAuthorityConfiguration",
    ),
    (
        "#microsoft.graph.deviceEnrollmentNotificationConfiguration",
        "enrollmentNotificationsConfiguration",
    ),
    (
        "#microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration",
        "windowsRestore",
    ),
];

/// The `deviceEnrollmentConfigurationType` of a created enrollment configuration of `odata_type`.
pub(crate) fn enrollment_type(odata_type: &str) -> &'static str {
    ENROLLMENT_TYPES
        .iter()
        .find(|(t, _)| *t == odata_type)
        .map_or("unknown", |(_, v)| v)
}

/// The id the service gives a created enrollment configuration: a GUID, `_`, and its
/// `deviceEnrollmentConfigurationType` with the first letter upper-cased, as real create answers
/// show (`…_Windows10EnrollmentCompletionPageConfiguration`, `…_EnrollmentNotificationsConfiguration`;
/// docs/graph-variation.md, "Real responses as fixtures"), like the built-in `<tenant>_WindowsRestore`.
pub(crate) fn enrollment_id(guid: &str, config_type: &str) -> String {
    let mut c = config_type.chars();
    let upper: String = c
        .next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default();
    format!("{guid}_{upper}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_unique_and_resolvable() {
        for c in COLLECTIONS {
            assert_eq!(
                COLLECTIONS.iter().filter(|o| o.path == c.path).count(),
                1,
                "{}",
                c.path
            );
            assert!(served(c.primary, c.path).is_some());
        }
    }

    #[test]
    fn versions_per_graph_md() {
        assert!(served(Ver::V1, "deviceManagement/configurationPolicies").is_none());
        assert!(served(Ver::V1, "deviceManagement/deviceConfigurations").is_some());
        assert!(served(Ver::Beta, "identity/conditionalAccess/policies").is_some());
        assert!(served(Ver::Beta, "groups").is_some());
        assert!(served(Ver::V1, "deviceManagement/roleScopeTags").is_none());
    }

    #[test]
    fn created_enrollment_ids_carry_their_type() {
        let esp =
            enrollment_type("#microsoft.graph.windows10EnrollmentCompletionPageConfiguration");
        assert_eq!(
            enrollment_id("4998ae20-fa77-4f5c-9f7f-a5956b42dd6c", esp),
            "4998ae20-fa77-4f5c-9f7f-a5956b42dd6c_Windows10EnrollmentCompletionPageConfiguration"
        );
        let n = enrollment_type("#microsoft.graph.deviceEnrollmentNotificationConfiguration");
        assert_eq!(
            enrollment_id("g", n),
            "g_EnrollmentNotificationsConfiguration"
        );
        assert_eq!(enrollment_type("#microsoft.graph.somethingNew"), "unknown");
    }

    #[test]
    fn readwrite_implies_read() {
        let roles = vec!["DeviceManagementConfiguration.ReadWrite.All".to_string()];
        assert!(has_role(Some(&roles), CFG_R));
        assert!(!has_role(Some(&roles), APP_R));
        assert!(has_role(None, APP_R));
        let ro = vec![CFG_R.to_string()];
        assert!(!has_role(Some(&ro), CFG_W[0]));
    }
}
