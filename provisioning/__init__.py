"""Everything that runs outside `pulumi up`: the `maas` CLI, the offline plan, Azure operations,
endpoint verification and the local image-API emulator."""

__version__ = "0.1.0"
