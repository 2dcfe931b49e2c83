"""Policy rules for maas-fleet: pure functions over plain resource records.

`records` defines what a rule sees; `rules` holds the rules (`RULES`, `evaluate`); `props` and `state`
read properties the same way for every producer; `crossguard` adapts the rules to pulumi-policy, and
`__main__` builds the CrossGuard pack from it (never import `__main__`: constructing a PolicyPack
starts a gRPC server and blocks).
"""
