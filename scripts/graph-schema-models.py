#!/usr/bin/env python3
"""Runs the Graph schema checker (graph-schema-check.py, kept beside the repository) with the models
of collections its table does not list yet: the catalog types added since it was written.

    graph-schema-models.py CHECKER DIR
    graph-schema-models.py CHECKER --url BASE TOKEN

The checker's own code runs unchanged, with its `MODELS` table extended before it reads anything.
"""
import sys

# Collection → `msgraph_beta.generated.models` module and class, as in the checker's table.
EXTRA = {
    "deviceManagement/deviceCategories": "device_category.DeviceCategory",
    "deviceManagement/termsAndConditions": "terms_and_conditions.TermsAndConditions",
    "deviceAppManagement/mobileAppCategories": "mobile_app_category.MobileAppCategory",
    "deviceAppManagement/mobileApps": "mobile_app.MobileApp",
    "deviceManagement/reusablePolicySettings": "device_management_reusable_policy_setting.DeviceManagementReusablePolicySetting",
    "deviceAppManagement/policySets": "policy_set.PolicySet",
    "deviceManagement/roleAssignments": "device_and_app_management_role_assignment.DeviceAndAppManagementRoleAssignment",
    "deviceManagement/intuneBrandingProfiles": "intune_branding_profile.IntuneBrandingProfile",
    "deviceManagement/microsoftTunnelSites": "microsoft_tunnel_site.MicrosoftTunnelSite",
    "deviceManagement/deviceComplianceScripts": "device_compliance_script.DeviceComplianceScript",
    "deviceManagement/operationApprovalPolicies": "operation_approval_policy.OperationApprovalPolicy",
    "deviceManagement": "device_management.device_management.DeviceManagement",
    "deviceManagement/applePushNotificationCertificate": "apple_push_notification_certificate.ApplePushNotificationCertificate",
    "deviceManagement/androidManagedStoreAccountEnterpriseSettings": "android_managed_store_account_enterprise_settings.AndroidManagedStoreAccountEnterpriseSettings",
    "policies/authorizationPolicy": "authorization_policy.AuthorizationPolicy",
    "policies/authenticationFlowsPolicy": "authentication_flows_policy.AuthenticationFlowsPolicy",
    "policies/deviceRegistrationPolicy": "device_registration_policy.DeviceRegistrationPolicy",
    "policies/identitySecurityDefaultsEnforcementPolicy": "identity_security_defaults_enforcement_policy.IdentitySecurityDefaultsEnforcementPolicy",
    "deviceAppManagement/vppTokens": "vpp_token.VppToken",
    "deviceManagement/depOnboardingSettings": "dep_onboarding_setting.DepOnboardingSetting",
    "deviceManagement/mobileThreatDefenseConnectors": "mobile_threat_defense_connector.MobileThreatDefenseConnector",
    "deviceManagement/complianceManagementPartners": "compliance_management_partner.ComplianceManagementPartner",
    "deviceManagement/deviceManagementPartners": "device_management_partner.DeviceManagementPartner",
    "deviceManagement/remoteAssistancePartners": "remote_assistance_partner.RemoteAssistancePartner",
    "deviceManagement/virtualEndpoint/provisioningPolicies": "cloud_pc_provisioning_policy.CloudPcProvisioningPolicy",
    "deviceManagement/virtualEndpoint/userSettings": "cloud_pc_user_setting.CloudPcUserSetting",
    "deviceManagement/microsoftTunnelConfigurations": "microsoft_tunnel_configuration.MicrosoftTunnelConfiguration",
    "deviceManagement/androidDeviceOwnerEnrollmentProfiles": "android_device_owner_enrollment_profile.AndroidDeviceOwnerEnrollmentProfile",
    "identityGovernance/termsOfUse/agreements": "agreement.Agreement",
    "policies/crossTenantAccessPolicy/default": "cross_tenant_access_policy_configuration_default.CrossTenantAccessPolicyConfigurationDefault",
    "settings": "directory_setting.DirectorySetting",
    "domains": "domain.Domain",
    "deviceManagement/roleDefinitions": "role_definition.RoleDefinition",
    "policies/authenticationStrengthPolicies": "authentication_strength_policy.AuthenticationStrengthPolicy",
    "identity/conditionalAccess/authenticationContextClassReferences": "authentication_context_class_reference.AuthenticationContextClassReference",
    "users": "user.User",
    "policies/authenticationMethodsPolicy": "authentication_methods_policy.AuthenticationMethodsPolicy",
    "policies/crossTenantAccessPolicy/partners": "cross_tenant_access_policy_configuration_partner.CrossTenantAccessPolicyConfigurationPartner",
    "deviceManagement/groupPolicyUploadedDefinitionFiles": "group_policy_uploaded_definition_file.GroupPolicyUploadedDefinitionFile",
    "servicePrincipals": "service_principal.ServicePrincipal",
    "roleManagement/directory/roleDefinitions": "unified_role_definition.UnifiedRoleDefinition",
    "applications": "application.Application",
    "tenantRelationships/delegatedAdminCustomers": "delegated_admin_customer.DelegatedAdminCustomer",
}

checker = sys.argv[1]
sys.argv = [checker] + sys.argv[2:]
source = open(checker, encoding="utf-8").read()
definitions, marker, run = source.partition("\nsrc = objects_from_url")
if not marker:
    sys.exit(f"{checker}: no `src = objects_from_url` line; its layout changed, update this wrapper")
scope = {"__name__": "__main__", "__file__": checker}
exec(compile(definitions, checker, "exec"), scope)
for collection, model in EXTRA.items():
    scope["MODELS"].setdefault(collection, model)

# Singletons answer their one object, not a `value` list; the Entra policies live in v1.0.
SINGLETONS = {
    "deviceManagement": "beta",
    "deviceManagement/applePushNotificationCertificate": "beta",
    "deviceManagement/androidManagedStoreAccountEnterpriseSettings": "beta",
    "policies/authorizationPolicy": "beta",
    "policies/authenticationFlowsPolicy": "v1.0",
    "policies/authenticationMethodsPolicy": "v1.0",
    "policies/deviceRegistrationPolicy": "beta",
    "policies/identitySecurityDefaultsEnforcementPolicy": "v1.0",
    "policies/crossTenantAccessPolicy/default": "v1.0",
}
lists = scope["objects_from_url"]


def objects_from_url(base, token):
    import json, urllib.request
    for coll, o in lists(base, token):
        if coll not in SINGLETONS:
            yield coll, o
    for coll, ver in SINGLETONS.items():
        req = urllib.request.Request(f"{base}/{ver}/{coll}", headers={"Authorization": "Bearer " + token})
        try:
            body = json.load(urllib.request.urlopen(req, timeout=30))
        except Exception as e:
            yield coll, {"__error__": str(e)}
            continue
        body.pop("@odata.context", None)
        if isinstance(body.get("value"), list):
            # A one-object collection in beta (the authorization policy).
            for o in body["value"]:
                yield coll, o
        else:
            yield coll, body


scope["objects_from_url"] = objects_from_url
exec(compile(marker + run, checker, "exec"), scope)
