"""Shared fakes and builders for the tests: a fake ARM on loopback, fleets for the audit, policy records.

Imported normally (`from tests.support.fake_arm import FakeArm`); pytest puts the project root on the
path through `pythonpath` in pyproject.toml.
"""
