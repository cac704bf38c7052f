# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY registry ./registry
COPY audits ./audits
RUN pip install --no-cache-dir .
COPY . .
RUN STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage \
    SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0
RUN useradd --create-home glasshouse && mkdir -p /app/data && chown glasshouse /app/data
USER glasshouse
EXPOSE 8000
CMD ["gunicorn", "registry.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
