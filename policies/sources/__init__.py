"""Where records come from, side by side: the CrossGuard adapter (pulumi-policy's validation args) and
`pulumi stack export` / `pulumi preview --json` documents. (The third source, `maas plan`, records the
program's registrations under Pulumi mocks in provisioning/plan/program.py.)"""
