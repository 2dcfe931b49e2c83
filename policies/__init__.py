"""Policy rules for maas-fleet: pure functions over plain resource records.

`records` defines what a rule sees; `rules` holds the rules; `__main__` adapts them to a CrossGuard
policy pack (never import it: constructing a PolicyPack starts a gRPC server and blocks).
"""
