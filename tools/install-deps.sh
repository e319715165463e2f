#!/usr/bin/env bash
# Installs the system packages limitfit builds and tests with: the OpenCL
# headers and loader (ocl-icd), PoCL, an OpenCL implementation for CPUs,
# zlib's headers (gzip-compressed qrels), and NumPy for the system python3
# (tools/test_limit_models.py; Debian 12 fixes it at 1.24.2, with which the
# test passes, as with numpy 2.4).
# Idempotent: does nothing when every package is already installed.
set -euo pipefail

packages=(ocl-icd-opencl-dev opencl-headers pocl-opencl-icd zlib1g-dev python3-numpy)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
