//! Catalog entries — Enrollment: Autopilot, enrollment configurations and profiles, and the connectors and tokens enrollment
//! depends on (backup-only, with their expiry dates).

use super::*;

// docs/graph-notes.md, "Autopilot profiles"
pub(super) const AUTOPILOT_PROFILES: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
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
};

// docs/graph-notes.md, "Enrollment configurations"
pub(super) const ENROLLMENT_STATUS_PAGES: CatalogEntry = CatalogEntry {
    platform: Some("windows"),
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
};

pub(super) const ENROLLMENT_RESTRICTIONS: CatalogEntry = CatalogEntry {
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
};

// docs/graph-notes.md, "Android Enterprise enrollment profiles"
pub(super) const ANDROID_ENROLLMENT_PROFILES: CatalogEntry = CatalogEntry {
    platform: Some("android"),
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
};

// docs/graph-notes.md, "Connectors and tokens"
pub(super) const APPLE_PUSH_CERTIFICATE: CatalogEntry = CatalogEntry {
    platform: Some("apple"),
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
};

pub(super) const MANAGED_GOOGLE_PLAY: CatalogEntry = CatalogEntry {
    platform: Some("android"),
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
};

pub(super) const VPP_TOKENS: CatalogEntry = CatalogEntry {
    platform: Some("apple"),
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
};

// docs/graph-notes.md, "Apple automated device enrollment profiles"
pub(super) const APPLE_ENROLLMENT_PROFILES: CatalogEntry = CatalogEntry {
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
};

pub(super) const APPLE_ENROLLMENT_TOKENS: CatalogEntry = CatalogEntry {
    platform: Some("apple"),
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
};

pub(super) const MOBILE_THREAT_DEFENSE: CatalogEntry = CatalogEntry {
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
};

pub(super) const COMPLIANCE_PARTNERS: CatalogEntry = CatalogEntry {
    refs: PARTNER_GROUPS,
    ..partner(
        "compliancePartners",
        "Compliance management partners",
        &[Source {
            skip_when: Some(("partnerState", SkipValue::Str(&["unknown"]))),
            ..source(BETA, "deviceManagement/complianceManagementPartners", "")
        }],
    )
};

pub(super) const DEVICE_MANAGEMENT_PARTNERS: CatalogEntry = CatalogEntry {
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
};

pub(super) const REMOTE_ASSISTANCE_PARTNERS: CatalogEntry = CatalogEntry {
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
};
