"""[action_providers] and [legacy_action_provider] applied by the action
registry, and dynamic action classes compiled from code sources."""
from __future__ import annotations

import types

import pytest

from mistral import config, exceptions as exc
from mistral.actions import dynamic, registry


@pytest.fixture(autouse=True)
def default_settings():
    yield
    registry.configure(registry.ProviderSettings())


def names() -> set[str]:
    return set(registry.system_actions())


def test_allowed_patterns():
    assert registry.allowed('std.echo', (), ())
    assert registry.allowed('std.echo', ('std.*',), ('std.echo',))
    assert not registry.allowed('my.echo', ('std.*',), ())
    assert not registry.allowed('std.echo', (), ('std.e*',))


def test_legacy_filters():
    everything = names()
    assert {'std.echo', 'std.noop'} <= everything
    registry.configure(registry.ProviderSettings(allowlist=('std.e*',)))
    assert names() == {n for n in everything if n.startswith('std.e')}
    registry.configure(registry.ProviderSettings(denylist=('std.*',)))
    assert names() == {n for n in everything if not n.startswith('std.')}
    registry.configure(registry.ProviderSettings(only_builtin_actions=True))
    assert 'std.echo' in names()
    assert not any(n.startswith('sample.') for n in names())
    registry.configure(registry.ProviderSettings(load_action_plugins=False))
    assert names() == set()
    with pytest.raises(exc.ActionNotFoundError):
        registry.get('std.echo')


def test_provider_filters():
    registry.configure(registry.ProviderSettings(
        provider_denylist=('legacy',)))
    assert names() == set()
    assert registry.provider_enabled('adhoc')
    registry.configure(registry.ProviderSettings(
        provider_allowlist=('legacy', 'ad*'), provider_denylist=('legacy',)))
    assert 'std.echo' in names()
    assert registry.provider_enabled('adhoc')
    assert not registry.provider_enabled('dynamic')


def test_settings_from_config(tmp_path):
    conf_file = tmp_path / 'mistral.conf'
    conf_file.write_text('[action_providers]\ndenylist = dynamic\n'
                         '[legacy_action_provider]\n'
                         'allowlist = std.echo, std.n*\n'
                         'only_builtin_actions = true\n')
    conf = config.build_config(['--config-file', str(conf_file)])
    settings = registry.ProviderSettings.from_conf(conf)
    assert settings.provider_denylist == ('dynamic',)
    assert settings.allowlist == ('std.echo', 'std.n*')
    assert settings.only_builtin_actions is True
    registry.configure(settings)
    assert names() == {'std.echo', 'std.noop'}


class _Row(types.SimpleNamespace):
    pass


def _source(content: str, version: int = 1, class_name: str = 'A') -> dict:
    return dynamic.action_source(
        _Row(id='cs-1', name='mod', version=version, content=content),
        class_name)


def test_dynamic_class_compiled_once_per_text():
    dynamic.clear_cache()
    code = ('COUNT = []\nCOUNT.append(1)\n'
            'class A:\n    """Adds."""\n'
            '    def __init__(self, x, y=2):\n        self.s = x + y\n'
            '    def run(self, context):\n        return self.s\n')
    info = registry.lookup('add', _source(code))
    assert (info.input, info.description) == ('x, y=2', 'Adds.')
    assert info.instantiate({'x': 1}).run(None) == 3
    again = registry.lookup('add', _source(code))
    assert again.cls is info.cls
    assert len(vars(dynamic.load_module(_source(code)))['COUNT']) == 1
    changed = registry.lookup('add', _source(code.replace('x + y', 'x * y'),
                                             version=2))
    assert changed.cls is not info.cls
    assert changed.instantiate({'x': 5}).run(None) == 10
    # The module never becomes importable.
    import sys
    assert 'mod' not in sys.modules


def test_dynamic_errors():
    with pytest.raises(exc.InputError, match='not valid Python'):
        dynamic.check_syntax('mod', 'def (')
    with pytest.raises(exc.InputError, match="Can not load code source 'mod'"):
        dynamic.load_module(_source('raise RuntimeError("boom")'))
    with pytest.raises(exc.InputError, match="Class 'B' of dynamic action"):
        registry.lookup('b', _source('class A:\n    pass\n', class_name='B'))
    with pytest.raises(exc.InputError, match='has no run'):
        registry.lookup('a', _source('class A:\n    pass\n'))
