#!/usr/bin/env bash
# Install the Pulumi CLI version named in .pulumi-version into $HOME/.pulumi/bin, checking the download
# against the checksums Pulumi publishes with that release: a pinned, verified version instead of
# `curl https://get.pulumi.com | sh`, which installs whatever is latest on the day.
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(tr -d '[:space:]' < .pulumi-version)"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo ".pulumi-version: '$version' is not a version" >&2; exit 2; }
archive="pulumi-v${version}-linux-x64.tar.gz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/$archive" "https://get.pulumi.com/releases/sdk/${archive}"
curl -fsSL --retry 3 -o "$work/checksums.txt" \
  "https://github.com/pulumi/pulumi/releases/download/v${version}/pulumi-${version}-checksums.txt"
(cd "$work" && grep " ${archive}\$" checksums.txt | sha256sum --check --strict -)
mkdir -p "$HOME/.pulumi"
tar -xzf "$work/$archive" -C "$HOME/.pulumi" --strip-components=1
mkdir -p "$HOME/.pulumi/bin" && mv -f "$HOME/.pulumi"/pulumi* "$HOME/.pulumi/bin/" 2>/dev/null || true
"$HOME/.pulumi/bin/pulumi" version
