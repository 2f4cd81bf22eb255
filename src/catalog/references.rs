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

impl RefSource {
    /// `GET` of one referenced object by the value references hold, with only its key and name:
    /// by id, or by the alternate key (`servicePrincipals(appId='…')`) where references hold
    /// another property (docs/graph-notes.md, "Conditional Access and named locations").
    pub fn by_key_url(&self, key: &str) -> String {
        let (k, n) = (self.kind.key_field(), self.kind.name_field());
        match k {
            "id" => format!("/{}/{key}?$select={k},{n}", self.collection),
            _ => format!("/{}({k}='{key}')?$select={k},{n}", self.collection),
        }
    }

    /// The objects of the collection with this name, with only their key and name
    /// (`$filter=displayName eq '…'`).
    pub fn by_name_url(&self, name: &str) -> String {
        let (k, n) = (self.kind.key_field(), self.kind.name_field());
        // Names hold `&`, `+`, `#` and quotes (doubled, as OData escapes them): encoded, so
        // the query string keeps the whole literal.
        let literal = name.replace('\'', "''");
        let quoted =
            percent_encoding::utf8_percent_encode(&literal, percent_encoding::NON_ALPHANUMERIC);
        format!(
            "/{}?$filter={n} eq '{quoted}'&$select={k},{n}",
            self.collection
        )
    }
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
        kind: RefKind::Users,
        version: V1,
        collection: "users",
        lookup: RefLookup::ById,
        read_permission: "User.Read.All",
    },
    RefSource {
        kind: RefKind::DirectoryRoles,
        version: V1,
        collection: "roleManagement/directory/roleDefinitions",
        lookup: RefLookup::ById,
        read_permission: "RoleManagement.Read.Directory",
    },
    RefSource {
        kind: RefKind::Applications,
        version: V1,
        collection: "servicePrincipals",
        lookup: RefLookup::ById,
        read_permission: "Application.Read.All",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn source(kind: RefKind) -> &'static RefSource {
        REFERENCE_SOURCES.iter().find(|s| s.kind == kind).unwrap()
    }

    #[test]
    fn lookups_address_by_the_key_references_hold_and_keep_names_whole() {
        let apps = source(RefKind::Applications);
        assert_eq!(
            apps.by_key_url("797f4846-ba00-4fd7-ba43-dac1f8f63013"),
            "/servicePrincipals(appId='797f4846-ba00-4fd7-ba43-dac1f8f63013')?$select=appId,displayName"
        );
        let users = source(RefKind::Users);
        assert_eq!(
            users.by_key_url("2b7d"),
            "/users/2b7d?$select=id,userPrincipalName"
        );
        let groups = source(RefKind::Groups);
        let url = groups.by_name_url("R&D + O'Brien #1");
        let (path, query) = url.split_once('?').unwrap();
        assert_eq!(path, "/groups");
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            pairs,
            [
                (
                    "$filter".into(),
                    "displayName eq 'R&D + O''Brien #1'".into()
                ),
                ("$select".into(), "id,displayName".into())
            ]
        );
    }
}
