"""What the desktop bundle holds beyond what PyInstaller's import analysis finds, and what it leaves out.

Read by ``previz.spec`` and by ``tests/test_packaging.py``; plain Python (no PyInstaller needed to read it).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "previz"

#: Never bundled: model inference runs in a worker started with the Python of the GPU runtime Previz
#: manages (``previz runtime install``), which has its own torch build for the machine's driver. The app
#: imports these lazily, only in ``previz.generation``; the rest are their dependencies, or test and
#: notebook tools nothing in the app imports.
EXCLUDED = (
    "torch",
    "torchvision",
    "torchaudio",
    "torchao",
    "triton",
    "nvidia",
    "diffusers",
    "transformers",
    "accelerate",
    "tokenizers",
    "sentencepiece",
    "bitsandbytes",
    "xformers",
    "flash_attn",
    "sageattention",
    "optimum",
    "peft",
    "ray",
    "sympy",
    "networkx",
    "tkinter",
    "_tkinter",
    "pytest",
    "_pytest",
    "hypothesis",
    "IPython",
    "matplotlib",
    "pandas",
    "scipy",
    "pydantic",  # optional in huggingface_hub (its webhooks server)
    "pydantic_core",
)

#: Parts of the names of Qt libraries and plugins left out (Linux, Windows and macOS spellings).
UNUSED_QT = ("virtualkeyboard", "qt6pdf", "qtpdf.", "qtpdf/", "/libqpdf.", "/qpdf.", "/libqpdf")

#: Where the ``previz`` package's sources go inside the bundle (``sys._MEIPASS/previz-src/previz/…``): the
#: GPU runtime's Python imports ``previz.generation.worker`` from there
#: (``PYTHONPATH=<_MEIPASS>/previz-src``).
SOURCES_DEST = "previz-src"

#: Distributions whose metadata the frozen app reads: entry points (OTIO finds its EDL, FCP XML and AAF
#: adapters through ``opentimelineio.plugins``), versions recorded in provenance.
METADATA = (
    "previz",
    "opentimelineio",
    "otio-cmx3600-adapter",
    "otio-fcp-adapter",
    "otio-aaf-adapter",
    "c2pa-python",
    "huggingface_hub",
    "av",
    "numpy",
    "SQLAlchemy",
    "alembic",
    "PySide6",
)


#: Packages whose data files (not modules) the frozen app reads and import analysis cannot see: OTIO's adapter
#: manifests (every editorial export), fpdf2's colour profile, huggingface_hub's model card templates.
DATA_PACKAGES = (
    "opentimelineio",
    "otio_cmx3600_adapter",
    "otio_fcp_adapter",
    "otio_aaf_adapter",
    "fpdf",
    "huggingface_hub",
)


#: OTIO's editorial adapters: OTIO loads each from the file its plugin_manifest.json names, not by import, so
#: their modules ship as files too (without them every EDL, FCP XML and AAF export fails in the bundle).
PLUGIN_SOURCES = ("otio_cmx3600_adapter", "otio_fcp_adapter", "otio_aaf_adapter")


def unused_qt(entry: tuple) -> bool:
    """Whether a collected binary ``(path in the bundle, source, kind)`` is a Qt library or plugin left out,
    or a link to one (PyInstaller links ``_internal/libQt6X.so.6`` to ``PySide6/Qt/lib/libQt6X.so.6``)."""
    for name in entry[:2]:
        name = str(name).replace("\\", "/").lower()
        if "pyside6/" in name and any(part in name for part in UNUSED_QT):
            return True
    return False


def _files(folder: Path):
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            yield path


def package_data(package: Path = PACKAGE) -> list[tuple[str, str]]:
    """(source file, destination folder) of every file of the package that is not a module: stylesheets,
    icons, fonts, tables; and every file of ``previz/core/migrations``, modules included: Alembic reads
    ``env.py`` and ``versions/*.py`` as files from that folder, never through the import system."""
    migrations = package / "core" / "migrations"
    out = []
    for path in _files(package):
        if path.suffix != ".py" or migrations in path.parents:
            out.append((str(path), str(Path(package.name) / path.parent.relative_to(package))))
    return out


def package_sources(package: Path = PACKAGE) -> list[tuple[str, str]]:
    """(source file, destination folder) of the whole ``previz`` package under ``SOURCES_DEST``."""
    return [
        (str(path), str(Path(SOURCES_DEST) / package.name / path.parent.relative_to(package)))
        for path in _files(package)
    ]


def resources(root: Path = ROOT) -> list[tuple[str, str]]:
    """The sample screenplay, shot list and boards ``previz demo`` builds from (``resources/`` beside the
    ``previz`` package, as in a source checkout)."""
    return [(str(path), str(path.parent.relative_to(root))) for path in _files(root / "resources")]
