"""What `summarizer doctor` says of the embedded model: the file a run would use, its state, the engine."""

from __future__ import annotations

from pathlib import Path

from ... import engine
from ...config import Config
from ...engine import ENGINE
from ...errors import LocalModelError
from .assembly import INSTALL_HINT, marker_ok, verified_now
from .model import MODELS, find_parts, is_path_spec, model_path


def model_status(spec: str, cache_dir: Path, *, full: bool = False) -> tuple[Path, str]:
    """Where the local model file is and what state it is in, without assembling or loading anything."""
    if spec not in MODELS:
        if not is_path_spec(spec):
            return Path(spec), f"unknown model name (known: {', '.join(sorted(MODELS))})"
        path = Path(spec).expanduser()
        return path, "file exists" if path.is_file() else "file does not exist"
    model = MODELS[spec]
    dest = model_path(spec, cache_dir)
    if dest.exists():
        if full:
            ok = verified_now(dest, model.size, model.sha256)
            return dest, "assembled, sha256 verified now" if ok else "assembled, sha256 MISMATCH (delete it)"
        if marker_ok(dest, model.size, model.sha256):
            return dest, "assembled, verified (sha256 marker)"
        return dest, "assembled, not verified (will be checked on first use)"
    try:
        find_parts(model)
    except LocalModelError as exc:
        return dest, f"not assembled; {exc}"
    return dest, f"not assembled; all {model.parts} parts installed (assembled on first use)"


def doctor_info(config: Config, *, full: bool = False) -> dict[str, str]:
    """What a run would use, and the state of the embedded model and engine; `full` re-hashes the file."""
    path, state = model_status(config.local_model, config.cache_dir, full=full)
    version = engine.engine_version()
    info = {
        "backend": config.backend,
        "extraction": config.design if config.extraction == config.design else f"{config.design} (auto)",
        "model": config.model,
        "local_model": config.local_model + ("" if config.is_local else " (not used by this backend)"),
        "local_model_file": str(path),
        "local_model_state": state,
        "local_engine": f"{ENGINE} {version}" if version else f"not installed ({INSTALL_HINT})",
    }
    return info
