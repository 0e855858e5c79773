"""etc/mistral.conf.sample must be what oslo-config-generator produces now.

The sample documents every option; regenerating it in the test catches an
option added or changed without updating the file.
"""
from __future__ import annotations

import difflib
import pathlib

from oslo_config import generator
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR_CONF = ROOT / 'tools' / 'config' / 'config-generator.mistral.conf'
SAMPLE = ROOT / 'etc' / 'mistral.conf.sample'
HOW_TO_FIX = (
    'etc/mistral.conf.sample is out of date; regenerate it with\n'
    '    .venv/bin/oslo-config-generator --config-file '
    'tools/config/config-generator.mistral.conf\n'
    '(run ".venv/bin/pip install -e ." first if the mistral.config '
    'namespace is not found).')


def test_config_sample_is_up_to_date(tmp_path: pathlib.Path) -> None:
    fresh = tmp_path / 'mistral.conf.sample'
    try:
        generator.main(['--config-file', str(GENERATOR_CONF),
                        '--output-file', str(fresh)])
    except Exception as e:  # e.g. a namespace's entry point is missing
        pytest.fail(f'oslo-config-generator failed: {e!r}\n{HOW_TO_FIX}')
    expected = fresh.read_text().splitlines(keepends=True)
    actual = SAMPLE.read_text().splitlines(keepends=True)
    diff = ''.join(difflib.unified_diff(actual, expected, 'committed',
                                        'generated', n=1))
    assert not diff, f'{HOW_TO_FIX}\n\n{diff[:4000]}'
