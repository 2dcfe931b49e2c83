"""Capacity planning, offline: from "this model must carry N requests per minute" to regions x projects.

Why it is arithmetic and not a measurement: a serverless deployment is capped by Azure (catalog
REQUESTS_PER_MINUTE) and a workspace holds one deployment per model, so a model's throughput is
regions x projects x the per-deployment cap. `arithmetic` computes it per model, `violations` turns an
unmet configured target into the plan's mandatory violation, `render` prints it.
"""
