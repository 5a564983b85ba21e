"""Create the `admin` user on the first start, with a password from the environment or a
generated one that is printed once and kept in var/admin-password.txt."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin user if it does not exist yet."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        saved = Path(settings.VAR_DIR) / "admin-password.txt"
        if user_model.objects.filter(username="admin").exists():
            where = f" (password in {saved})" if saved.exists() else ""
            self.stdout.write(f"User 'admin' exists{where}.")
            return
        password = os.environ.get("LEGIBLE_ADMIN_PASSWORD", "").strip()
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser("admin", "", password)
        if generated:
            saved.write_text(password + "\n")
            saved.chmod(0o600)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created user 'admin' with password: {password}  (saved to {saved})"
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS("Created user 'admin' (password from LEGIBLE_ADMIN_PASSWORD).")
            )
