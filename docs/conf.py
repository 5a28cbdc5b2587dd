"""Sphinx configuration of fluxrope's documentation site (built by the test command with warnings
as errors: `python -m sphinx -W -b html docs build/docs/html`). The Markdown pages are read by
MyST, the tutorials are MyST notebooks executed at every build, the Python API comes from the
docstrings (autodoc) and the command-line reference from the tool's own --help (_ext/)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))
import fluxrope  # noqa: E402  (the installed package: its version, its docstrings)

project = "fluxrope"
author = "The fluxrope developers"
copyright = "2026, the fluxrope developers (MIT licence)"
release = version = fluxrope.__version__

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.mathjax", "fluxrope_cli"]
root_doc = "index"
exclude_patterns = ["_build", "_ext", "jupyter_execute"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
# the tutorials run at every build (the test command's check that they still work)
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_merge_streams = True
autodoc_member_order = "bysource"
autodoc_typehints = "none"

html_theme = "furo"
html_title = f"fluxrope {release}"
html_static_path = []
