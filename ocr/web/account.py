"""The account page: the API token (DRF's TokenAuthentication keeps one per user, so it can be
created, replaced or revoked) and a link to change the password."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from ocr import services


class TokenActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("create", "Create"), ("revoke", "Revoke")])


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    form = TokenActionForm(request.POST or None)
    new_key = ""
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, "Unknown action.")
            return redirect("web:account")
        if form.cleaned_data["action"] == "create":
            # Shown once, in this answer: after a reload the page says only that one exists.
            new_key = services.regenerate_token(request.user).key
        else:
            services.revoke_token(request.user)
            messages.success(request, "Revoked the API token; requests that send it now fail.")
            return redirect("web:account")
    token = Token.objects.filter(user=request.user).first()
    context = {"token": token, "new_key": new_key}
    response = render(request, "registration/account.html", context)
    response["Cache-Control"] = "no-store"  # the page may hold a secret
    return response
