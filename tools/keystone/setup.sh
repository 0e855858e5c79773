#!/usr/bin/env bash
# Install Keystone (from PyPI) into its own virtualenv for the auth tests.
# Keystone pins many libraries; keeping it apart from Mistral's .venv
# means neither can break the other. The tests start and stop it
# (tests/auth/conftest.py through tools/keystone/run.py).
#
# Usage: tools/keystone/setup.sh [VENV]   (default: .keystone-venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${1:-${MISTRAL_KEYSTONE_VENV:-.keystone-venv}}"

if [ -x "$venv/bin/openstack" ] && "$venv/bin/python" -c 'import keystone' 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
# python-openstackclient runs the devstack plugin's registration steps in
# tests/auth/test_devstack.py.
"$venv/bin/pip" install -q --only-binary=:all: keystone python-openstackclient
