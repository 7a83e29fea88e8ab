#!/usr/bin/env bash
# Make the current Python environment ready for mmunirgbir.
#
# Idempotent: every step first checks whether what it would install is already
# importable at the right version, so a second run finishes in seconds.
#
#   PYTHON=python3 bash tools/install.sh      # (the Makefile's `make install`)
#
# Environment knobs:
#   PYTHON              interpreter to install into (default: python3)
#   MMUNIRGBIR_CACHE    where the built mmcv wheel is cached (default: ~/.cache/mmunirgbir)
#   MAX_JOBS            parallel compile jobs for the mmcv build (default: nproc)
#   FORCE_CUDA=1/0      build mmcv's CUDA ops or not (default: 1 when torch sees a GPU);
#                       1 works without a GPU: a system nvcc of torch's CUDA
#                       release (CUDA_HOME, /usr/local/cuda, PATH) is used, else
#                       NVIDIA's PyPI compiler packages of that release
#   TORCH_CUDA_ARCH_LIST GPU architectures of the CUDA build (default: the
#                       visible GPU's, else 9.0: H100 / H200)
#   MMCV_BUILD_DIR      keep mmcv's sources and objects here (default: a temporary
#                       folder, removed afterwards); a build stopped half-way
#                       resumes from its compiled objects
set -euo pipefail

PY=${PYTHON:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${MMUNIRGBIR_CACHE:-$HOME/.cache/mmunirgbir}
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
# mmengine/mim/mmcv's setup.py import pkg_resources, removed in setuptools 82.
SETUPTOOLS_SPEC='setuptools>=69.5,<82'

log() { printf '[install] %s\n' "$*"; }
# pip's "Location ... is ignored" / "running as root" chatter is filtered out
pip_quiet() {
  "$PY" -m pip "$@" 2>&1 | { grep -vE 'is ignored: it is neither|Running pip as the .root. user' || true; }
}
pip_install() { pip_quiet install --disable-pip-version-check -q "$@"; }

# Everything already in place? (the fast path of a second run)
if "$PY" - "$MMCV_VERSION" "$ROOT" <<'EOF' 2>/dev/null; then
import importlib.metadata as md, sys
import torch, torchvision, mmcv, mmcv.ops  # noqa: F401  (mmcv.ops needs the compiled _ext)
import mmengine, mmdet, mmseg, timm, mim, ftfy, regex, pytest, xdist, parameterized, py_sod_metrics  # noqa
import onnx, onnxscript, onnxruntime, openvino, nncf  # noqa: F401  (deploy extras)
import pkg_resources  # noqa: F401
assert mmcv.__version__ == sys.argv[1], mmcv.__version__
assert (mmengine.__version__, mmdet.__version__, mmseg.__version__) == ('0.10.7', '3.3.0', '1.2.2')
# the editable install must point at this checkout (CI clones elsewhere)
# (the checkout's own egg-info has no direct_url.json: skip it)
import json, os
urls = [json.loads(d.read_text('direct_url.json'))['url']
        for d in md.distributions(name='mmunirgbir-toolbox') if d.read_text('direct_url.json')]
assert any(os.path.realpath(u.replace('file://', '')) == os.path.realpath(sys.argv[2])
           for u in urls), urls
# and nothing installed (by pip: INSTALLER) under the former name, mmunirgbir
assert not [d for d in md.distributions(name='mmunirgbir') if d.read_text('INSTALLER')]
# FORCE_CUDA=1 asks for mmcv's CUDA kernels (a CPU build is rebuilt)
import importlib.util
if os.environ.get('FORCE_CUDA') == '1':
    assert b'nms_cuda' in open(importlib.util.find_spec('mmcv._ext').origin, 'rb').read()
EOF
  log "environment already complete (torch $("$PY" -c 'import torch; print(torch.__version__)'), mmcv $MMCV_VERSION with ops); nothing to do"
  exit 0
fi

# 1. torch / torchvision: keep a working one, else the pinned pair.
if "$PY" -c 'import torch, torchvision' 2>/dev/null; then
  log "keeping torch $("$PY" -c 'import torch; print(torch.__version__)')"
else
  log "installing torch==$TORCH_VERSION torchvision==$TORCHVISION_VERSION"
  pip_install "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
fi

# 2. build tooling (setuptools that still ships pkg_resources).
pip_install "$SETUPTOOLS_SPEC" wheel ninja packaging addict yapf numpy \
  opencv-python-headless "mmengine==0.10.7"

# The CUDA compiler for FORCE_CUDA=1, of torch's CUDA release: a system one
# (CUDA_HOME, /usr/local/cuda, nvcc on PATH), else NVIDIA's PyPI packages
# (nvcc and its parts pinned to that release: unpinned, pip takes a newer
# nvvm whose PTX the release's ptxas refuses). Exports CUDA_HOME; $1 gets a
# folder with the unversioned libcudart.so that the link step asks for.
cuda_toolkit() {
  local cuda home
  cuda=$("$PY" -c 'import torch; print(torch.version.cuda or "")')
  if [ -z "$cuda" ]; then
    echo "[install] ERROR: FORCE_CUDA=1, but torch $("$PY" -c 'import torch; print(torch.__version__)') is a CPU build" >&2
    exit 1
  fi
  for home in "${CUDA_HOME:-}" /usr/local/cuda "$(dirname "$(dirname "$(command -v nvcc 2>/dev/null || echo /x/x)")")"; do
    if [ -x "$home/bin/nvcc" ] && "$home/bin/nvcc" --version | grep -q "release $cuda,"; then
      export CUDA_HOME=$home
      log "CUDA $cuda: nvcc of $home"
      # torch's CUDA headers include the math libraries' (cusparse.h, ...);
      # a toolkit without them takes those of torch's NVIDIA wheels
      if [ ! -f "$home/include/cusparse.h" ]; then
        local inc
        inc=$("$PY" -c 'import glob, os, nvidia; print(":".join(d for p in nvidia.__path__ for d in sorted(glob.glob(os.path.join(p, "*", "include")))))' 2>/dev/null || true)
        if [ -z "$inc" ]; then
          echo "[install] ERROR: $home/include has no cusparse.h, and torch's NVIDIA wheels none either" >&2
          exit 1
        fi
        export CPATH="$inc${CPATH:+:$CPATH}"
        log "CUDA $cuda: $home lacks the CUDA math libraries' headers; using torch's NVIDIA wheels' ($inc)"
      fi
      return
    fi
  done
  log "CUDA $cuda: no system nvcc of that release; installing NVIDIA's compiler packages"
  pip_install "nvidia-cuda-nvcc==$cuda.*" "nvidia-nvvm==$cuda.*" "nvidia-cuda-crt==$cuda.*" \
    "nvidia-cuda-cccl==$cuda.*"
  home=$("$PY" -c 'import os, sys, nvidia; print(os.path.join(nvidia.__path__[0], "cu" + sys.argv[1].split(".")[0]))' "$cuda")
  if [ ! -x "$home/bin/nvcc" ]; then
    echo "[install] ERROR: no nvcc in $home after installing nvidia-cuda-nvcc==$cuda.*" >&2
    exit 1
  fi
  export CUDA_HOME=$home
  mkdir -p "$1/cuda-lib"
  ln -sf "$(ls "$home"/lib/libcudart.so.* | head -n1)" "$1/cuda-lib/libcudart.so"
  export LIBRARY_PATH="$1/cuda-lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
  log "CUDA $cuda: nvcc of $home ($("$home/bin/nvcc" --version | tail -n1))"
}

# 3. mmcv with compiled ops, built from its PyPI source when not importable.
mmcv_ok() {
  "$PY" - "$MMCV_VERSION" <<'EOF' 2>/dev/null
import sys
import mmcv
from mmcv.ops import nms  # noqa: F401  (imports the compiled mmcv._ext)
assert mmcv.__version__ == sys.argv[1]
import importlib.util, os
if os.environ.get('FORCE_CUDA') == '1':  # a CPU build is rebuilt
    assert b'nms_cuda' in open(importlib.util.find_spec('mmcv._ext').origin, 'rb').read()
EOF
}
if mmcv_ok; then
  log "mmcv $MMCV_VERSION with ops already importable; skipping its build"
else
  if [ -z "${FORCE_CUDA:-}" ]; then
    FORCE_CUDA=$("$PY" -c 'import torch; print(int(torch.cuda.is_available()))')
  fi
  CUDA_ARCHS=""
  if [ "$FORCE_CUDA" = 1 ]; then
    CUDA_ARCHS=${TORCH_CUDA_ARCH_LIST:-$("$PY" -c 'import torch; print("%d.%d" % torch.cuda.get_device_capability() if torch.cuda.is_available() else "9.0")')}
  fi
  # the cache key: torch, and the CUDA architectures of a CUDA build
  TAG=$("$PY" -c 'import sys, torch; a = sys.argv[1]; print("torch" + torch.__version__.replace("+", "_") + "-" + ("cuda-sm" + "-".join(a.replace(".", "").replace(";", " ").split()) if a else "cpu"))' "$CUDA_ARCHS")
  WHEEL_DIR="$CACHE/wheels/$TAG"
  WHEEL=$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$WHEEL" ]; then
    if [ -n "${MMCV_BUILD_DIR:-}" ]; then  # kept: a stopped build resumes
      BUILD="$MMCV_BUILD_DIR/$TAG"
      mkdir -p "$BUILD"
    else
      BUILD=$(mktemp -d)
      trap 'rm -rf "$BUILD"' EXIT
    fi
    log "building mmcv $MMCV_VERSION with ops for $TAG in $BUILD (CPU ops: about 25 min on 2 cores)"
    SRC="$BUILD/mmcv-$MMCV_VERSION"
    if [ ! -f "$SRC/setup.py" ]; then
      pip_quiet download --disable-pip-version-check -q --no-deps --no-binary :all: \
        "mmcv==$MMCV_VERSION" -d "$BUILD"
      tar -xzf "$BUILD"/mmcv-"$MMCV_VERSION".tar.gz -C "$BUILD"
    fi
    # torch >= 2.14 headers need C++20; older torch keeps mmcv's own flags.
    if "$PY" -c 'import sys, torch; v = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]); sys.exit(0 if v >= (2, 14) else 1)'; then
      sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
      log "raised mmcv's C++ standard to C++20 for this torch"
    fi
    log "FORCE_CUDA=$FORCE_CUDA${CUDA_ARCHS:+, TORCH_CUDA_ARCH_LIST=$CUDA_ARCHS}"
    if [ "$FORCE_CUDA" = 1 ]; then cuda_toolkit "$BUILD"; fi
    mkdir -p "$WHEEL_DIR"
    (cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA="$FORCE_CUDA" MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      TORCH_CUDA_ARCH_LIST="$CUDA_ARCHS" \
      pip_quiet wheel --disable-pip-version-check -q --no-deps --no-build-isolation . -w "$WHEEL_DIR")
    WHEEL=$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl | head -n1)
  else
    log "reusing cached $WHEEL"
  fi
  pip_install --no-deps --force-reinstall "$WHEEL"
  # mmcv's declared runtime deps (the wheel was installed with --no-deps)
  pip_install addict numpy packaging Pillow pyyaml yapf opencv-python-headless
  mmcv_ok || { echo "[install] ERROR: mmcv.ops still does not import after installing $WHEEL" >&2; exit 1; }
fi

# 4. OpenMMLab task packages, timm, test and deploy deps (ONNX export and
#    its runtimes), and mim without openxlab.
pip_install -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt" \
  -r "$ROOT/requirements/deploy.txt" -r "$ROOT/requirements/mim.txt" "$SETUPTOOLS_SPEC"
pip_install --no-deps openmim==0.3.9

# 5. this package, editable (distribution mmunirgbir-toolbox, module
#    mmunirgbir). An install under the package's former distribution name,
#    mmunirgbir, is removed first: mmengine would resolve read_base() imports
#    through it. (-I and cd /: a stale mmunirgbir.egg-info in the current
#    folder is no install.)
if "$PY" -I -c 'import importlib.metadata as md; md.distribution("mmunirgbir")' 2>/dev/null; then
  log "removing the former distribution mmunirgbir"
  (cd / && pip_quiet uninstall --disable-pip-version-check -q -y mmunirgbir)
fi
pip_install --no-deps --no-build-isolation -e "$ROOT"

"$PY" -c 'import mmcv, mmdet, mmseg, mmunirgbir, torch; from mmcv.ops import nms; print("[install] ready: torch", torch.__version__, "mmcv", mmcv.__version__, "mmdet", mmdet.__version__, "mmseg", mmseg.__version__)'
