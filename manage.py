#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    from django.core.management import execute_from_command_line

    from project.env import SettingError

    try:
        execute_from_command_line(sys.argv)
    except SettingError as exc:
        sys.exit(f"Configuration error: {exc}")


if __name__ == "__main__":
    main()
