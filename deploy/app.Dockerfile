# Kadai's application image (API and Celery workers). No frameworks inside: gradings run in
# sandbox containers that the workers start through the host's Docker socket.
# Built by scripts/compose.sh from the same offline base as the sandbox (BASE_IMAGE), with wheels
# downloaded on the host (build containers need no package index).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}
COPY wheels /wheels
RUN python3 -m venv /opt/kadai/venv \
 && /opt/kadai/venv/bin/pip install --no-index --no-cache-dir /wheels/*.whl \
 && rm -rf /wheels
COPY app /opt/kadai/app
ENV PATH=/opt/kadai/venv/bin:$PATH \
    PYTHONPATH=/opt/kadai/app \
    KADAI_DATA_DIR=/data \
    KADAI_EXERCISES_DIR=/opt/kadai/app/exercises \
    PYTHONUNBUFFERED=1
WORKDIR /opt/kadai/app
EXPOSE 8000
CMD ["python3", "-m", "backend.cli", "serve", "--host", "0.0.0.0", "--port", "8000"]
