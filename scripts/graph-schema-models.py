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
exec(compile(marker + run, checker, "exec"), scope)
