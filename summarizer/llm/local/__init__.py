"""The embedded model: a verified GGUF assembled from packaged parts, served by llama.cpp on loopback."""

# The server's default repeat penalty is the engine's, which cache keys name.
from ...engine import DEFAULT_REPEAT_PENALTY
from .assembly import INSTALL_HINT, assemble_from_parts, lock_path, marker_path
from .child import DEFAULT_CACHE_RAM_MIB, EngineSettings, child_main, serve_xllamacpp
from .doctor import doctor_info, model_status
from .host import cpus_idle, missing_cpu_feature
from .model import (
    MODELS,
    LocalModel,
    assemble_model,
    find_parts,
    model_alias,
    model_path,
    resolve_local_model,
)
from .server import (
    DEFAULT_N_CTX,
    DEFAULT_STARTUP_TIMEOUT,
    LocalServer,
    ServerArgv,
    free_port,
    serve_foreground,
)

__all__ = [
    "DEFAULT_CACHE_RAM_MIB",
    "DEFAULT_N_CTX",
    "DEFAULT_REPEAT_PENALTY",
    "DEFAULT_STARTUP_TIMEOUT",
    "INSTALL_HINT",
    "MODELS",
    "EngineSettings",
    "LocalModel",
    "LocalServer",
    "ServerArgv",
    "assemble_from_parts",
    "assemble_model",
    "child_main",
    "cpus_idle",
    "doctor_info",
    "find_parts",
    "free_port",
    "lock_path",
    "marker_path",
    "missing_cpu_feature",
    "model_alias",
    "model_path",
    "model_status",
    "resolve_local_model",
    "serve_foreground",
    "serve_xllamacpp",
]
