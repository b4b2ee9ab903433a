#!/usr/bin/env bash
# Builds Kadai's images locally (offline-capable) and starts the scale-out stack.
#   scripts/compose.sh up      build + docker-compose up -d, wait until the API is ready
#   scripts/compose.sh down    stop and delete the stack and its volumes
# The app image's wheels are downloaded on the host; bases fall back to the debootstrapped
# kadai-base:bookworm when no registry answers.
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:-up}
export KADAI_SECRET_KEY=${KADAI_SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')}
compose=(docker-compose -p "${KADAI_COMPOSE_PROJECT:-kadai}")

if [ "$action" = down ]; then
  "${compose[@]}" down -v --remove-orphans
  exit 0
fi

have_image() { docker image inspect "$1" >/dev/null 2>&1 || docker pull -q "$1" >/dev/null 2>&1; }
.venv/bin/kadai sandbox build | tail -n 1          # the sandbox image, and kadai-base if offline
if have_image python:3.11-slim; then export KADAI_APP_BASE=python:3.11-slim; else export KADAI_APP_BASE=kadai-base:bookworm; fi
if have_image debian:bookworm-slim; then export KADAI_SERVICE_BASE=debian:bookworm-slim; else export KADAI_SERVICE_BASE=kadai-base:bookworm; fi

context=build/compose/app
rm -rf "$context/app"
mkdir -p "$context/wheels" "$context/app"
cp deploy/app.Dockerfile "$context/"
# The app's own dependencies as wheels (no frameworks: gradings run in the sandbox image).
.venv/bin/python - <<'PY' > "$context/requirements.txt"
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))
# redis needs it below Python 3.11.3 (Debian's 3.11.2); pip download cannot see that marker.
print("async-timeout>=4.0.3")
PY
.venv/bin/pip download -q -d "$context/wheels" -r "$context/requirements.txt" --only-binary=:all: \
  --python-version 3.11.2 --implementation cp --abi cp311 \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
git ls-files -z | grep -z -v -E '^(tests|bench|docs)/' | xargs -0 -I{} cp --parents {} "$context/app/"
cp --parents frontend/static/editor.js frontend/static/charts.js frontend/static/swagger/* "$context/app/"

"${compose[@]}" build
"${compose[@]}" up -d
for _ in $(seq 1 120); do
  status=$(docker inspect -f '{{.State.Health.Status}}' "$("${compose[@]}" ps -q api)" 2>/dev/null || true)
  [ "$status" = healthy ] && { echo "Kadai is up on http://localhost:${KADAI_PORT:-8000}"; exit 0; }
  sleep 2
done
"${compose[@]}" logs --tail 50 api
echo "the API did not become healthy" >&2
exit 1
