"""What the commands read: stack config files (`--stack` / `--config`) and endpoint inventories."""
