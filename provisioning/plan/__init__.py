"""`maas plan`: the real Pulumi program under mocks (program), who gets what where read back from the
plan (access), and how a plan reads to people (render)."""
