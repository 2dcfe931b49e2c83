"""The Azure-facing operations behind `maas preflight`, `maas endpoints` and `maas keys`: the logic and
its rendering, free of command-line parsing (that lives in provisioning/cli/)."""
