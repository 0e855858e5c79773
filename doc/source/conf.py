"""Sphinx configuration of the Mistral documentation.

Only built-in Sphinx features are used so the documentation builds offline
with nothing but Sphinx installed:

    .venv/bin/python -m sphinx -W --keep-going -b html doc/source doc/build/html
"""

project = 'Mistral'
author = 'The Mistral team'
copyright = 'The Mistral team; licensed under the Apache License 2.0'

import os
import sys

# doc/ext: the reference page built from the OpenAPI document.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'ext'))
extensions = ['openapi_reference']

root_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = []
language = 'en'

# Code blocks without a language are shown as plain text.
highlight_language = 'none'
pygments_style = 'sphinx'

html_theme = 'alabaster'
html_theme_options = {
    'description': 'A workflow service compatible with OpenStack Mistral',
    'fixed_sidebar': True,
    'show_relbars': True,
}
html_title = 'Mistral documentation'
html_static_path = []
html_show_sourcelink = False
