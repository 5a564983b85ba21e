# One image for web and workers. torch==2.13.0 from PyPI is its CUDA build, which the GPU worker
# needs; the CPU worker runs the same image with OCR_DEVICE=cpu.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 LEGIBLE_VAR_DIR=/data
WORKDIR /app
COPY pyproject.toml ./
# Dependencies first so code changes do not reinstall them.
RUN pip install torch==2.13.0 && mkdir -p ocr project && touch ocr/__init__.py project/__init__.py \
    && pip install ".[craft]" && pip uninstall -y legible
COPY . .
RUN pip install --no-deps . && useradd --uid 1000 --create-home legible \
    && mkdir -p /data && chown legible /data
USER legible
EXPOSE 8000
CMD ["gunicorn", "project.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4"]
