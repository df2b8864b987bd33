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
    PORT=8000

WORKDIR /app

# Dependency layer: only pyproject.toml, so code changes don't reinstall dependencies.
# The build backend and the runtime dependencies are read from it with tomllib.
COPY pyproject.toml ./
RUN python3 -m venv "$VIRTUAL_ENV" \
    && python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); print(*p['build-system']['requires'], *p['project']['dependencies'], sep=chr(10))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt \
    && groupadd --system --gid 10001 backprop \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin backprop

# Code layer. Files stay owned by root: the server user can read, not change, them.
COPY app/ app/
COPY templates/ templates/
COPY static/ static/
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
    && rm -rf build ./*.egg-info

USER 10001:10001
EXPOSE 8000

# No curl in the image: ask /healthz with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('BACKPROP_PORT') or os.environ.get('PORT') or '8000'; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]

# `backprop-lab` reads PORT / BACKPROP_PORT; --proxy-headers trusts X-Forwarded-* from
# the addresses in FORWARDED_ALLOW_IPS (uvicorn's default: 127.0.0.1).
CMD ["backprop-lab", "--host", "0.0.0.0", "--proxy-headers"]
