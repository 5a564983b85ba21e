from django.apps import AppConfig


class OcrConfig(AppConfig):
    name = "ocr"
    verbose_name = "Legible OCR"
    default_auto_field = "django.db.models.BigAutoField"
