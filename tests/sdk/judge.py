#!/usr/bin/env python3
"""Microsoft's Graph SDK for Python (msgraph-beta-sdk) as the judge of the emulator.

It drives a running emulator the way a client written by others does: every collection of the
tool's catalog read through the SDK's request builders (paging by `odata_next_link`, `$select`,
`$filter` with `isof`, `$expand=assignments`, `$top` with `$skip` and the nextLink), groups counted
with `ConsistencyLevel: eventual`, the read-only neighbours clients read (intent templates with
their categories and settings, compliance actions), one `$batch` through msgraph-core's batch
support, and one create, update and delete per restorable type with bodies built from SDK model
objects. Every answer is parsed by the SDK's models; a property they do not know is a failure.

Sign-in: azure-identity's ClientSecretCredential talks to an https authority through MSAL's
instance discovery, which a loopback http emulator cannot be, so a small TokenCredential posts the
client-credentials form to the emulator's `/{tenant}/oauth2/v2.0/token` instead. v1.0 collections
are read through the beta client's request builders with `with_url` (msgraph-sdk, the v1.0 SDK, is
not installed) and parsed with the beta models.

Usage: judge.py BASE_URL TENANT_ID CLIENT_ID CATALOG_JSON   (the secret in env ATLAS_JUDGE_SECRET)
One line per check; exit 1 on the first failure with the request and the answer.
"""
import asyncio
import json
import os
import re
import sys
import time
import urllib.parse

import httpx
from azure.core.credentials import AccessToken
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph_beta import GraphRequestAdapter, GraphServiceClient
from msgraph_core.requests.batch_request_builder import BatchRequestBuilder
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

LAST = {"request": "", "status": None, "body": ""}
CHECKS = 0


class Failure(Exception):
    pass


def ok(what):
    global CHECKS
    CHECKS += 1
    print(f"ok   {what}", flush=True)


def check(cond, what, detail=""):
    if not cond:
        raise Failure(f"{what}{': ' + detail if detail else ''}")
    ok(what)


class EmulatorCredential:
    """An async azure-core TokenCredential for the emulator's token endpoint."""

    def __init__(self, base, tenant, client, secret):
        self.url = f"{base}/{tenant}/oauth2/v2.0/token"
        self.form = {"grant_type": "client_credentials", "client_id": client,
                     "client_secret": secret, "scope": f"{base}/.default"}
        self.token = None

    async def get_token(self, *scopes, **kwargs):
        # Cached until a minute before it expires, as azure-identity caches its tokens.
        if self.token and self.token.expires_on - 60 > time.time():
            return self.token
        async with httpx.AsyncClient() as c:
            r = await c.post(self.url, data=self.form)
        if r.status_code != 200:
            raise Failure(f"token request answered {r.status_code}")
        b = r.json()
        self.token = AccessToken(b["access_token"], int(time.time()) + int(b["expires_in"]))
        return self.token

    async def close(self):
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *a):
        pass


async def remember(response):
    await response.aread()
    LAST["request"] = f"{response.request.method} {urllib.parse.unquote(str(response.request.url))}"
    LAST["status"] = response.status_code
    LAST["body"] = response.text[:1500]


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def key_of(obj, source):
    """An object's key: its id, or the property a collection is keyed by (a partner's tenantId)."""
    return getattr(obj, snake(source.get("key", "id")), None)


def name_field(entry):
    """The property holding an object's name, or None for types whose names are derived."""
    rule = entry["name"]
    return rule["field"] if rule.get("rule") == "property" else None


# One change per restorable singleton, as a client makes it: (attribute path, new value).
SINGLETON_CHANGES = {
    "deviceManagement": ("settings.device_compliance_checkin_threshold_days", 29),
    "policies/authorizationPolicy": ("block_msol_power_shell", False),
    "policies/authenticationFlowsPolicy": ("self_service_sign_up.is_enabled", True),
    "policies/identitySecurityDefaultsEnforcementPolicy": ("is_enabled", True),
    "policies/deviceRegistrationPolicy": ("user_device_quota", 21),
    "policies/crossTenantAccessPolicy/default": ("inbound_trust.is_mfa_accepted", True),
    "policies/authenticationMethodsPolicy": ("reconfirmation_in_days", 91),
}

# Navigations a singleton answers inline that its PATCH may not carry: written through their own
# routes (the method configurations).
SINGLETON_INLINE = {"policies/authenticationMethodsPolicy": "authenticationMethodConfigurations"}


def get_path(obj, path):
    for seg in path.split("."):
        obj = getattr(obj, seg)
    return obj


def set_path(obj, path, value):
    *parents, last = path.split(".")
    for seg in parents:
        obj = getattr(obj, seg)
    setattr(obj, last, value)


def builder_for(client, collection):
    b = client
    for seg in collection.split("/"):
        b = getattr(b, snake(seg))
    return b


def unknown_properties(obj, seen=None):
    """Properties the SDK models do not know, as `Type.property`."""
    seen = set() if seen is None else seen
    out = []
    if obj is None or id(obj) in seen:
        return out
    seen.add(id(obj))
    if isinstance(obj, list):
        for x in obj:
            out += unknown_properties(x, seen)
        return out
    ad = getattr(obj, "additional_data", None)
    if isinstance(ad, dict):
        out += [f"{type(obj).__name__}.{k}" for k in ad
                if not k.startswith("@") and "@odata." not in k]
    if hasattr(obj, "__dict__"):
        for k, v in vars(obj).items():
            if k not in ("additional_data", "backing_store") and (hasattr(v, "__dict__") or isinstance(v, list)):
                out += unknown_properties(v, seen)
    return out


def request(method, url):
    """A request to an absolute URL, as the SDK's own `with_url` builders make one."""
    info = RequestInformation(method)
    info.url = url
    return info


def query_config(builder, headers=None, **params):
    cls = next(getattr(type(builder), n) for n in dir(type(builder)) if n.endswith("GetQueryParameters"))
    cfg = RequestConfiguration(query_parameters=cls(**params))
    for k, v in (headers or {}).items():
        cfg.headers.add(k, v)
    return cfg


class Judge:
    def __init__(self, base, tenant, client_id, secret, catalog):
        self.base = base
        cred = EmulatorCredential(base, tenant, client_id, secret)
        auth = AzureIdentityAuthenticationProvider(cred, scopes=[f"{base}/.default"],
                                                   allowed_hosts=[urllib.parse.urlparse(base).hostname])
        self.adapter = GraphRequestAdapter(auth)
        self.adapter.base_url = f"{base}/beta"
        self.adapter._http_client.event_hooks = {"response": [remember]}
        self.client = GraphServiceClient(request_adapter=self.adapter)
        self.catalog = catalog

    async def pages(self, builder, version, collection, cfg=None, params=""):
        """Every item of a list, following odata_next_link; returns (items, pages)."""
        if version == "v1.0":
            first = builder.with_url(f"{self.base}/v1.0/{collection}{params}")
            resp = await first.get()
        else:
            resp = await builder.get(request_configuration=cfg)
        items, pages = list(resp.value or []), 1
        while resp.odata_next_link:
            check(resp.odata_next_link.startswith(self.base), f"nextLink stays on the emulator ({collection})")
            resp = await builder.with_url(resp.odata_next_link).get()
            items += resp.value or []
            pages += 1
            if pages > 200:
                raise Failure(f"runaway paging on {collection}")
        return items, pages, resp

    async def read_singleton(self, entry, source):
        """A singleton: one GET of its path, parsed by its model."""
        coll, ver = source["collection"], source["version"]
        b = builder_for(self.client, coll).with_url(f"{self.base}/{ver}/{coll}")
        one = await b.get()
        check(one is not None, f"{ver}/{coll}: the singleton reads")
        bad = unknown_properties(one)
        check(not bad, f"{ver}/{coll}: it parses with the SDK models", ", ".join(sorted(set(bad))[:10]))
        return one

    async def read_nested(self, source):
        """A collection below each object of another (enrollment profiles below their tokens):
        the parents through their builder, then each one's children through the item builder's
        navigation."""
        coll, ver = source["collection"], source["version"]
        parent, child = coll.split("/{parent}/")
        pb = builder_for(self.client, parent)
        by_id = getattr(pb, next(a for a in dir(pb) if a.startswith("by_")))
        parents, _, _ = await self.pages(pb, ver, parent)
        items = []
        for p in parents:
            cb = builder_for(by_id(p.id), child)
            got, _, _ = await self.pages(cb, ver, f"{parent}/{p.id}/{child}")
            items += got
        check(len(items) > 0, f"{ver}/{coll}: {len(items)} items below {len(parents)} parents")
        bad = unknown_properties(items)
        check(not bad, f"{ver}/{coll}: every item parses with the SDK models", ", ".join(sorted(set(bad))[:10]))

    async def read_collection(self, entry, source):
        coll, ver = source["collection"], source["version"]
        if source.get("singleton"):
            await self.read_singleton(entry, source)
            return
        if "/{parent}/" in coll:
            await self.read_nested(source)
            return
        b = builder_for(self.client, coll)
        name = name_field(entry)
        what = f"{ver}/{coll}"
        v1 = ver == "v1.0"

        def q(**p):
            return "?" + urllib.parse.urlencode({f"${k}": v for k, v in p.items()}) if p else ""

        items, pages, _ = await self.pages(b, ver, coll)
        check(len(items) > 0, f"{what}: {len(items)} items in {pages} page(s)")
        bad = unknown_properties(items)
        check(not bad, f"{what}: every item parses with the SDK models", ", ".join(sorted(set(bad))[:10]))

        key = source.get("key", "id")
        sel = [key, name] if name and name != key else [key]
        got, _, _ = await self.pages(b, ver, coll, None if v1 else query_config(b, select=sel),
                                     q(select=",".join(sel)))
        check(len(got) == len(items) and all(key_of(g, source) for g in got), f"{what}: $select={','.join(sel)}")

        types = [getattr(i, "odata_type", None) for i in items]
        t = next((x for x in types if x), None)
        if t:
            t = t.lstrip("#")
            n = sum(1 for x in types if x and x.lstrip("#") == t)
            f = f"isof('{t}')"
            got, _, _ = await self.pages(b, ver, coll, None if v1 else query_config(b, filter=f), q(filter=f))
            check(len(got) == n, f"{what}: $filter={f} ({n})")
            f = f"(isof('{t}') or isof('microsoft.graph.none')) and not isof('microsoft.graph.none')"
            got, _, _ = await self.pages(b, ver, coll, None if v1 else query_config(b, filter=f), q(filter=f))
            check(len(got) == n, f"{what}: $filter with isof, or, and, not")
        first = getattr(items[0], snake(name), None) if name else None
        if isinstance(first, str):
            f = f"{name} eq '{first.replace(chr(39), chr(39) * 2)}'"
            got, _, _ = await self.pages(b, ver, coll, None if v1 else query_config(b, filter=f), q(filter=f))
            check(any(getattr(g, snake(name)) == first for g in got), f"{what}: $filter={name} eq '…'")

        # Lists that refuse `$expand` (their assignments are read per object).
        no_list_expand = ("deviceAppManagement/targetedManagedAppConfigurations", "deviceAppManagement/policySets")
        if entry.get("assignments") and coll not in no_list_expand:
            got, _, _ = await self.pages(b, ver, coll, None if v1 else query_config(b, expand=["assignments"]),
                                         q(expand="assignments"))
            check(len(got) == len(items) and all(g.assignments is not None for g in got),
                  f"{what}: $expand=assignments")

        got, pages, _ = await self.pages(b, ver, coll, None if v1 else query_config(b, top=2), q(top=2))
        check(len(got) == len(items) and (pages > 1 or len(items) <= 2),
              f"{what}: $top=2 and the nextLink ({pages} pages)")
        if len(items) >= 2:
            got, _, _ = await self.pages(b, ver, coll, None if v1 else query_config(b, top=1, skip=1),
                                         q(top=1, skip=1))
            check(len(got) == len(items) - 1 and key_of(got[0], source) == key_of(items[1], source),
                  f"{what}: $top=1&$skip=1")

    async def reads(self):
        seen = set()
        for entry in self.catalog:
            for source in entry["sources"]:
                key = (source["version"], source["collection"])
                if key in seen:
                    continue
                seen.add(key)
                await self.read_collection(entry, source)

    async def directory(self):
        g = self.client.groups
        base = f"{self.base}/v1.0/groups"
        all_groups = (await g.with_url(base).get()).value
        cfg = query_config(g, headers={"ConsistencyLevel": "eventual"}, count=True, top=1)
        info = g.to_get_request_information(cfg)
        info.url = f"{base}?$count=true&$top=1"
        from msgraph_beta.generated.models.group_collection_response import GroupCollectionResponse
        r = await self.adapter.send_async(info, GroupCollectionResponse, {})
        check(r.odata_count == len(all_groups), f"v1.0/groups: $count=true with ConsistencyLevel: eventual ({r.odata_count})")
        info = g.to_get_request_information(query_config(g, count=True))
        info.url = f"{base}?$count=true"
        try:
            await self.adapter.send_async(info, GroupCollectionResponse, {})
            raise Failure("v1.0/groups: $count=true without ConsistencyLevel was accepted; Graph refuses it")
        except APIError as e:
            check(e.response_status_code == 400, "v1.0/groups: $count=true without ConsistencyLevel refused (400)")
        word = all_groups[0].display_name.split()[0]
        info = g.to_get_request_information(query_config(g, headers={"ConsistencyLevel": "eventual"}))
        info.url = f"{base}?" + urllib.parse.urlencode({"$search": f'"displayName:{word}"', "$count": "true"})
        r = await self.adapter.send_async(info, GroupCollectionResponse, {})
        check(any(x.id == all_groups[0].id for x in r.value), f"v1.0/groups: $search=\"displayName:{word}\"")

    async def neighbours(self):
        dm = self.client.device_management
        t = dm.templates
        baselines = (await t.get(query_config(t, filter="isof('microsoft.graph.securityBaselineTemplate')"))).value
        check(baselines and all(type(x).__name__ == "SecurityBaselineTemplate" for x in baselines),
              f"templates: $filter=isof('microsoft.graph.securityBaselineTemplate') ({len(baselines)})")
        typed = (await t.get(query_config(t, filter="templateType eq 'securityBaseline'"))).value
        check([x.id for x in typed] == [x.id for x in baselines], "templates: $filter=templateType eq 'securityBaseline'")
        intents = (await dm.intents.get()).value
        for intent in intents:
            tb = t.by_device_management_template_id(intent.template_id)
            tpl = await tb.get()
            check(tpl.display_name and tpl.intent_count >= 1, f"templates/{tpl.id}: {tpl.display_name!r}, {tpl.intent_count} intent(s)")
            cats = (await tb.categories.get()).value
            defs = []
            for c in cats:
                cb = tb.categories.by_device_management_template_setting_category_id(c.id)
                defs += (await cb.setting_definitions.get()).value
                await cb.recommended_settings.get()
            settings = (await tb.settings.get()).value
            bad = unknown_properties([tpl, cats, defs, settings])
            check(not bad, f"templates/{tpl.id}: categories, setting definitions, settings parse", ", ".join(bad[:10]))
            held = (await dm.intents.by_device_management_intent_id(intent.id).settings.get()).value
            known = {d.id for d in defs}
            check(all(s.definition_id in known for s in held),
                  f"templates/{tpl.id}: defines every setting of intent {intent.display_name!r}")
        cp = dm.compliance_policies
        for p in (await cp.get()).value:
            rb = cp.by_device_management_compliance_policy_id(p.id).scheduled_actions_for_rule
            rules = (await rb.get(query_config(rb, expand=["scheduledActionConfigurations"]))).value
            check(rules and all(r.scheduled_action_configurations for r in rules),
                  f"compliancePolicies/{p.id}/scheduledActionsForRule?$expand=scheduledActionConfigurations")
        ma = self.client.device_app_management.mobile_apps
        got = (await ma.get(query_config(ma, filter="(isof('microsoft.graph.winGetApp'))"))).value
        check(got and all(type(a).__name__ == "WinGetApp" for a in got),
              "mobileApps: $filter=(isof('microsoft.graph.winGetApp'))")

    async def batch(self):
        dm = self.client.device_management
        content = BatchRequestContent()
        infos = [dm.device_configurations.to_get_request_information(),
                 dm.intents.to_get_request_information(),
                 dm.templates.to_get_request_information(query_config(dm.templates, top=1))]
        items = [BatchRequestItem(request_information=i) for i in infos]
        items[2].set_depends_on([items[0]])
        for it in items:
            content.add_request(it.id, it)
        resp = await BatchRequestBuilder(self.adapter).post(content)
        codes = {i: resp.get_response_by_id(it.id).status for i, it in enumerate(items)}
        check(all(c == 200 for c in codes.values()), f"$batch through msgraph-core: {len(items)} items answered 200",
              str(codes))

    async def writes(self):
        for entry in self.catalog:
            if entry["capability"] != "full":
                continue
            for source in entry["sources"][:1]:
                if source.get("singleton"):
                    await self.write_singleton(entry, source)
                else:
                    await self.write_cycle(entry, source)

    async def write_singleton(self, entry, source):
        """A singleton is changed in place (PATCH, or PUT of the whole object), never created."""
        coll, ver = source["collection"], source["version"]
        what = f"{ver}/{coll}"
        attr, value = SINGLETON_CHANGES[coll]
        b = builder_for(self.client, coll).with_url(f"{self.base}/{ver}/{coll}")
        one, url = await b.get(), f"{self.base}/{ver}/{coll}"
        if hasattr(one, "value"):
            # A one-object collection in beta (the authorization policy): written by its id.
            one = one.value[0]
            url = f"{url}/{one.id}"
        set_path(one, attr, value)
        inline = SINGLETON_INLINE.get(coll)
        children = getattr(one, snake(inline)) if inline else None
        if inline:
            setattr(one, snake(inline), None)
        method = Method.PUT if entry["write"]["update"] == "put" else Method.PATCH
        info = request(method, url)
        info.set_content_from_parsable(self.adapter, "application/json", one)
        await self.adapter.send_no_response_content_async(info, {})
        back = await b.get()
        back = back.value[0] if hasattr(back, "value") else back
        check(get_path(back, attr) == value, f"{what}: update ({method.value}) from an SDK model reads back")
        if children:
            # One child through its own route, by its id, with its type (as restore writes it).
            from msgraph_beta.generated.models.authentication_method_state import AuthenticationMethodState
            child = children[0]
            on = AuthenticationMethodState.Enabled
            child.state = AuthenticationMethodState.Disabled if child.state == on else on
            info = request(Method.PATCH, f"{url}/{inline}/{child.id}")
            info.set_content_from_parsable(self.adapter, "application/json", child)
            await self.adapter.send_no_response_content_async(info, {})
            got = await self.adapter.send_async(
                request(Method.GET, f"{url}/{inline}/{child.id}"), type(child), {})
            check(got.state == child.state, f"{what}: a child PATCHed by its id reads back ({child.id})")
        try:
            await self.adapter.send_no_response_content_async(request(Method.DELETE, f"{self.base}/{ver}/{coll}"), {})
            raise Failure(f"{what}: a singleton was deleted")
        except APIError as e:
            check(e.response_status_code in (400, 404, 405), f"{what}: no delete ({e.response_status_code})")

    async def write_unnamed(self, what, ver, coll, b, full, model_cls):
        """A restorable type named by its template (directory settings): created as read, its
        values changed by PATCH, read back, deleted."""
        from msgraph_beta.generated.models.setting_value import SettingValue
        created = await b.with_url(f"{self.base}/{ver}/{coll}").post(full)
        check(created is not None and created.id, f"{what}: create from an SDK model ({type(full).__name__})")
        patch = model_cls()
        patch.values = [SettingValue(name="SDKJudge", value="SDK judge update (PATCH)")]
        info = request(Method.PATCH, f"{self.base}/{ver}/{coll}/{created.id}")
        info.set_content_from_parsable(self.adapter, "application/json", patch)
        await self.adapter.send_no_response_content_async(info, {})
        back = await self.adapter.send_async(request(Method.GET, f"{self.base}/{ver}/{coll}/{created.id}"),
                                             model_cls, {})
        check([v.value for v in back.values or []] == ["SDK judge update (PATCH)"],
              f"{what}: the update of its values reads back")
        info = request(Method.DELETE, f"{self.base}/{ver}/{coll}/{created.id}")
        await self.adapter.send_no_response_content_async(info, {})
        check(True, f"{what}: delete")

    async def write_keyed(self, what, ver, coll, b, one, source):
        """A collection keyed by another property (partners by tenantId): a copy under a new key
        is created, PATCHed by it, read back and deleted; a second create of the key is refused."""
        key = snake(source["key"])
        new = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
        setattr(one, key, new)
        created = await b.with_url(f"{self.base}/{ver}/{coll}").post(one)
        check(created is not None and getattr(created, key) == new, f"{what}: create keyed by {source['key']}")
        try:
            await b.with_url(f"{self.base}/{ver}/{coll}").post(one)
            raise Failure(f"{what}: a second create of the same {source['key']} was accepted")
        except APIError as e:
            check(e.response_status_code == 409, f"{what}: a second create answers {e.response_status_code}")
        patch = type(one)()
        patch.additional_data["automaticUserConsentSettings"] = {"inboundAllowed": True}
        info = request(Method.PATCH, f"{self.base}/{ver}/{coll}/{new}")
        info.set_content_from_parsable(self.adapter, "application/json", patch)
        await self.adapter.send_no_response_content_async(info, {})
        back = await self.adapter.send_async(request(Method.GET, f"{self.base}/{ver}/{coll}/{new}"), type(one), {})
        check(back.automatic_user_consent_settings.inbound_allowed is True, f"{what}: the update reads back")
        info = request(Method.DELETE, f"{self.base}/{ver}/{coll}/{new}")
        await self.adapter.send_no_response_content_async(info, {})
        check(True, f"{what}: delete by {source['key']}")

    async def write_cycle(self, entry, source):
        coll, ver = source["collection"], source["version"]
        what = f"{ver}/{coll}"
        b = builder_for(self.client, coll)
        items, _, _ = await self.pages(b, ver, coll)
        candidates = [i for i in items if "_Default" not in (key_of(i, source) or "") and key_of(i, source) != "0"]
        model_cls = type(candidates[0])
        if source.get("key", "id") != "id":
            await self.write_keyed(what, ver, coll, b, candidates[0], source)
            return
        expand = {"deviceManagement/deviceCompliancePolicies": "scheduledActionsForRule($expand=scheduledActionConfigurations)",
                  "deviceManagement/compliancePolicies": "scheduledActionsForRule($expand=scheduledActionConfigurations),settings",
                  "deviceManagement/configurationPolicies": "settings",
                  "deviceAppManagement/iosManagedAppProtections": "apps",
                  "deviceAppManagement/androidManagedAppProtections": "apps",
                  "deviceAppManagement/windowsManagedAppProtections": "apps",
                  "deviceAppManagement/targetedManagedAppConfigurations": "apps",
                  "deviceManagement/roleAssignments": "roleDefinition"}.get(coll)
        info = request(Method.GET, f"{self.base}/{ver}/{coll}/{candidates[0].id}"
                                  + (f"?$expand={expand}" if expand else ""))
        full = await self.adapter.send_async(info, model_cls, {})
        # A copy as a client makes one: the object as read (server-set fields included, which
        # Graph ignores on create) under a new name.
        if name_field(entry) is None:
            await self.write_unnamed(what, ver, coll, b, full, model_cls)
            return
        # Single-valued navigations are created by their bind, as Graph wants (role assignments).
        for field, target in entry["write"].get("binds", []):
            bound = getattr(full, snake(field))
            setattr(full, snake(field), None)
            full.additional_data[f"{field}@odata.bind"] = f"{self.base}/beta/{target}/{bound.id}"
        name = snake(name_field(entry))
        setattr(full, name, f"SDK judge copy of {getattr(full, name)}")
        if entry["write"].get("clientIds"):
            full.id = "c99"  # the client names the copy: a free slot
        post_b = b.with_url(f"{self.base}/{ver}/{coll}")
        created = await post_b.post(full)
        check(created is not None and created.id, f"{what}: create from an SDK model ({type(full).__name__})")
        if entry["write"]["update"] == "put":
            setattr(full, name, "SDK judge update (PUT)")
            info = request(Method.PUT, f"{self.base}/{ver}/{coll}/{created.id}")
            info.set_content_from_parsable(self.adapter, "application/json", full)
            await self.adapter.send_no_response_content_async(info, {})
            check(True, f"{what}: update (PUT) from an SDK model")
        else:
            patch = model_cls()
            patch.odata_type = created.odata_type
            setattr(patch, name, "SDK judge update (PATCH)")
            info = request(Method.PATCH, f"{self.base}/{ver}/{coll}/{created.id}")
            info.set_content_from_parsable(self.adapter, "application/json", patch)
            await self.adapter.send_no_response_content_async(info, {})
            check(True, f"{what}: update (PATCH) from an SDK model")
        back = await self.adapter.send_async(
            request(Method.GET, f"{self.base}/{ver}/{coll}/{created.id}"),
            model_cls, {})
        check(getattr(back, name, "").startswith("SDK judge update"), f"{what}: the update reads back")
        info = request(Method.DELETE, f"{self.base}/{ver}/{coll}/{created.id}")
        await self.adapter.send_no_response_content_async(info, {})
        try:
            await self.adapter.send_async(request(Method.GET, f"{self.base}/{ver}/{coll}/{created.id}"),
                                          model_cls, {})
            raise Failure(f"{what}: the deleted object still reads")
        except APIError as e:
            check(e.response_status_code in (400, 404), f"{what}: delete ({e.response_status_code} afterwards)")


async def main(argv):
    if len(argv) != 5:
        print(__doc__)
        return 2
    base, tenant, client, catalog_path = argv[1:]
    secret = os.environ.get("ATLAS_JUDGE_SECRET", "")
    with open(catalog_path, encoding="utf-8") as f:
        catalog = [c.get("entry", c) for c in json.load(f)]
    j = Judge(base.rstrip("/"), tenant, client, secret, catalog)
    try:
        await j.reads()
        await j.directory()
        await j.neighbours()
        await j.batch()
        await j.writes()
    except (Failure, APIError, Exception) as e:  # noqa: BLE001 - every failure is reported alike
        detail = getattr(e, "message", None) or str(e) or type(e).__name__
        print(f"FAIL {detail}")
        print(f"     last request: {LAST['request']}")
        print(f"     answer: {LAST['status']} {LAST['body']}")
        return 1
    print(f"judge: {CHECKS} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv)))
