"""Policy rules for maas-fleet: pure functions over plain resource records.

- `records`: what a rule sees; `props` and `state`: reading properties the same way for every producer.
- `engine`: what a rule is and how a set runs; `rules/`: the rules, one module per subject
  (endpoints, workspaces, access, key vaults, tags, secrets) and `RULES` / `evaluate`.
- `sources/`: where records come from — the CrossGuard adapter and stack-export/preview documents.
- `__main__`: builds the CrossGuard pack (never import it: constructing a PolicyPack starts a gRPC
  server and blocks).
"""
