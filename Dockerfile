# Backprop Lab: FastAPI + uvicorn in one small image.
#
#   docker build -t backprop-lab .
#   docker run --rm -p 8000:8000 backprop-lab
#
# BASE_IMAGE may be any Debian-like image with python3 (>= 3.11) and its venv module:
# the official slim image by default, or a stand-in built from Debian packages where no
# container registry is reachable (see scripts/docker-base.sh).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# Everything runs from a virtualenv: it works the same on the official image and on
# Debian's python3, whose system pip refuses installs (PEP 668).
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000 \
    BACKPROP_HOST=0.0.0.0

# Metadata first: it never changes with the code, so it stays cached (with the vfs
# storage driver every instruction after a changed layer costs a full copy of the image).
EXPOSE 8000
# No curl in the image: ask /healthz with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('BACKPROP_PORT') or os.environ.get('PORT') or '8000'; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]
# `backprop-lab` reads PORT / BACKPROP_PORT; --proxy-headers trusts X-Forwarded-* from
# the addresses in FORWARDED_ALLOW_IPS (uvicorn's default: 127.0.0.1).
CMD ["backprop-lab", "--proxy-headers"]

WORKDIR /app

# Dependency layer: built from pyproject.toml alone, so a code change doesn't reinstall
# the dependencies. An empty placeholder package lets pip install the project editable
# (the dependencies, the `backprop-lab` console script, and an import hook that maps
# `app` to /app/app); the real code takes the placeholder's place below. Editable, so
# that `app` finds /app/templates and /app/static beside it, as in a checkout.
COPY pyproject.toml ./
RUN python3 -m venv "$VIRTUAL_ENV" \
    && mkdir app \
    && touch app/__init__.py \
    && pip install --no-cache-dir --editable . \
    && rm -rf app build ./*.egg-info \
    && groupadd --system --gid 10001 backprop \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin backprop

USER 10001:10001

# Code layer, last. COPY ignores USER: the files stay owned by root, so the server can
# read but not change them. .dockerignore lets in only app/, templates/ and static/.
COPY . ./
