"""The one place that states what Azure offers for Stability AI serverless endpoints.

Pure data, no Pulumi import: config validation, the Pulumi program, the policy rules, preflight,
the emulator and the verifier all read these facts from here, so a region added to a model or a
price change is a one-line edit. Source: the Azure Machine Learning how-to for Stability AI models
(serverless API, pay-as-you-go through Azure Marketplace) and the public REST specs.

Four modules by subject, read as one namespace (`from infra.catalog import MODELS`, `catalog.REGIONS`):
- offer.py: regions, models and where each is sold, the image API (sizes, formats, routes, limits), the
  hosted SD 3.5 Large offer;
- access.py: the custom roles' permissions with the document listing each action, key rotation's and
  `pulumi up`'s needs, personas, built-in roles;
- resources.py: subscription prerequisites, SKUs, key lifetime, tags, the enterprise options' facts;
- source.py: `Source`, where a fact comes from.
A fact is stated in exactly one of them; importers use this package, never a module, so a fact can
move between modules without touching them. A test that patches a fact patches the module that
states it (`infra.catalog.offer.MODELS_BY_ASSET_ID`): the functions beside it read it there.
"""

from infra.catalog.access import *  # noqa: F403 - the package is the catalog's one namespace
from infra.catalog.offer import *  # noqa: F403
from infra.catalog.resources import *  # noqa: F403
from infra.catalog.source import *  # noqa: F403
