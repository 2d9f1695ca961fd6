"""Sphinx configuration of the course site (``make site``; see scripts/build_site.py).

The site is Jupyter Book's engine used directly: Sphinx with MyST-NB (notebooks as pages,
their committed outputs rendered, never re-executed) and the Sphinx Book Theme. One build
per edition: English at the site's root, Japanese (when ``notebooks/ja`` exists) under
``ja/``. scripts/build_site.py stages each edition's pages and passes the edition in
``APIGW_SITE_EDITION`` (a JSON object: language, title, the other edition's link).
"""

from __future__ import annotations

import json
import os

edition = json.loads(os.environ.get("APIGW_SITE_EDITION", "{}"))

project = edition.get("title", "apigw-lab")
author = "apigw-lab"
copyright = "apigw-lab"
language = edition.get("language", "en")
root_doc = "index"

extensions = ["myst_nb"]
templates_path = [os.path.join(os.path.dirname(__file__), "_templates")]
html_static_path = [os.path.join(os.path.dirname(__file__), "_static")]
html_css_files = ["course.css"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", ".doctrees*"]

# Notebooks are shown with the outputs committed beside them (checked by nbval), never run.
nb_execution_mode = "off"
# The ipywidgets playgrounds have no live kernel here: show the figure saved beside the widget
# view (scripts/build_site.py adds a note that they are live in JupyterLab).
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
]
nb_merge_streams = True
# Currency is escaped in the notebooks (\$0.02); no "$…$" maths is used, so none is parsed.
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = edition.get("title", "apigw-lab")
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
    # no network at build or view time: nothing fetched from elsewhere
    "icon_links": [],
}
html_sidebars = {
    "**": [
        "navbar-logo.html",
        "search-button-field.html",
        "edition-switch.html",
        "sbt-sidebar-nav.html",
    ]
}
html_favicon = os.path.join(os.path.dirname(__file__), "_static", "favicon.svg")
html_context = {
    "other_edition": edition.get("other"),  # {"label", "language", "prefix", "pages"} or None
    "default_mode": "light",
}
html_last_updated_fmt = None
