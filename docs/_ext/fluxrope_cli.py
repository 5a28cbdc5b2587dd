"""The `fluxrope-help` directive: the fluxrope tool's own --help text as a literal block, so the
command-line reference is always the built tool's. The tool: $FLUXROPE_EXE, else build/fluxrope
of this checkout (a missing tool fails the build)."""
import os
import subprocess

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _tool():
    exe = os.environ.get("FLUXROPE_EXE") or os.path.join(ROOT, "build", "fluxrope")
    if not os.path.exists(exe):
        raise ExtensionError(f"fluxrope-help: the fluxrope tool is not built ({exe}); run "
                             "scripts/build.sh or set FLUXROPE_EXE")
    return exe


class FluxropeHelp(SphinxDirective):
    """``fluxrope-help:: [SUBCOMMAND]``: ``fluxrope [SUBCOMMAND] --help``."""
    optional_arguments = 1

    def run(self):
        args = self.arguments[:1] + ["--help"]
        r = subprocess.run([_tool()] + args, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise self.error(f"fluxrope {' '.join(args)} exited {r.returncode}: {r.stderr}")
        # the usage line names the tool by the path it was run as: by its name here
        text = r.stdout.replace(_tool(), "fluxrope")
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    app.add_directive("fluxrope-help", FluxropeHelp)
    return {"parallel_read_safe": True, "version": "1"}
