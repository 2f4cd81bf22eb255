//! Reference data: where the names of objects policies refer to by id (groups, apps, filters,
//! scope tags, notification templates, named locations) are read from (docs/ARCHITECTURE.md,
//! "Restore capability and reference data").

use super::*;

const CONFIG_READ: &str = "DeviceManagementConfiguration.Read.All";
const APPS_READ: &str = "DeviceManagementApps.Read.All";
const SERVICE_READ: &str = "DeviceManagementServiceConfig.Read.All";
const BETA: ApiVersion = ApiVersion::Beta;
const V1: ApiVersion = ApiVersion::V1;

/// How the names of referenced objects are looked up.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RefLookup {
    /// List the whole collection with this query (small collections; shared with the catalog entry
    /// that backs the same collection up, so it costs no extra request when that type is selected).
    List { query: &'static str },
    /// `GET {collection}/{id}?$select=id,displayName` for each referenced id, in `$batch`.
    ById,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefSource {
    pub kind: RefKind,
    pub version: ApiVersion,
    pub collection: &'static str,
    pub lookup: RefLookup,
    pub read_permission: &'static str,
}

/// Where the names of referenced objects come from (docs/ARCHITECTURE.md, "Restore capability and
/// reference data": reference data).
pub static REFERENCE_SOURCES: &[RefSource] = &[
    RefSource {
        kind: RefKind::ScopeTags,
        version: BETA,
        collection: "deviceManagement/roleScopeTags",
        lookup: RefLookup::List { query: "" },
        read_permission: "DeviceManagementRBAC.Read.All",
    },
    RefSource {
        kind: RefKind::AssignmentFilters,
        version: BETA,
        collection: "deviceManagement/assignmentFilters",
        lookup: RefLookup::List { query: "" },
        read_permission: CONFIG_READ,
    },
    RefSource {
        kind: RefKind::NotificationTemplates,
        version: BETA,
        collection: "deviceManagement/notificationMessageTemplates",
        lookup: RefLookup::List {
            query: "$expand=localizedNotificationMessages",
        },
        read_permission: SERVICE_READ,
    },
    RefSource {
        kind: RefKind::NamedLocations,
        version: V1,
        collection: "identity/conditionalAccess/namedLocations",
        lookup: RefLookup::List { query: "" },
        read_permission: "Policy.Read.All",
    },
    RefSource {
        kind: RefKind::ComplianceScripts,
        version: BETA,
        collection: "deviceManagement/deviceComplianceScripts",
        lookup: RefLookup::List { query: "" },
        read_permission: CONFIG_READ,
    },
    RefSource {
        kind: RefKind::AuthenticationStrengths,
        version: V1,
        collection: "policies/authenticationStrengthPolicies",
        lookup: RefLookup::List { query: "" },
        read_permission: "Policy.Read.All",
    },
    RefSource {
        kind: RefKind::Agreements,
        version: V1,
        collection: "identityGovernance/termsOfUse/agreements",
        lookup: RefLookup::ById,
        read_permission: "Agreement.Read.All",
    },
    RefSource {
        kind: RefKind::Groups,
        version: V1,
        collection: "groups",
        lookup: RefLookup::ById,
        read_permission: "Group.Read.All",
    },
    // Listed whole: one page holds a hundred apps, where by id each costs a request; the list is
    // the one the apps type reads, so it costs nothing when apps are backed up too.
    RefSource {
        kind: RefKind::MobileApps,
        version: BETA,
        collection: "deviceAppManagement/mobileApps",
        lookup: RefLookup::List { query: "" },
        read_permission: APPS_READ,
    },
    RefSource {
        kind: RefKind::ReusableSettings,
        version: BETA,
        collection: "deviceManagement/reusablePolicySettings",
        lookup: RefLookup::List {
            query: super::entries::REUSABLE_QUERY,
        },
        read_permission: CONFIG_READ,
    },
    RefSource {
        kind: RefKind::TunnelConfigurations,
        version: BETA,
        collection: "deviceManagement/microsoftTunnelConfigurations",
        lookup: RefLookup::List { query: "" },
        read_permission: CONFIG_READ,
    },
    RefSource {
        kind: RefKind::Roles,
        version: BETA,
        collection: "deviceManagement/roleDefinitions",
        lookup: RefLookup::List { query: "" },
        read_permission: "DeviceManagementRBAC.Read.All",
    },
    RefSource {
        kind: RefKind::AppCategories,
        version: BETA,
        collection: "deviceAppManagement/mobileAppCategories",
        lookup: RefLookup::List { query: "" },
        read_permission: APPS_READ,
    },
];
