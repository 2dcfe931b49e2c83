"""The Azure layer: credentials and settings, the ARM client on azure-core/azure-mgmt-core (pipeline,
long-running operations, paging, resource ids), ARM errors as one-line hints, permission matching.
Imports only the catalog below it; operations and commands build on it (docs/architecture.md)."""
