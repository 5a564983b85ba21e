"""API tokens: DRF's TokenAuthentication keeps one token per user."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from rest_framework.authtoken.models import Token


def regenerate_token(user: AbstractBaseUser) -> Token:
    """A new key for the user; the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def revoke_token(user: AbstractBaseUser) -> None:
    Token.objects.filter(user=user).delete()
