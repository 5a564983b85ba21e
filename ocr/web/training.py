"""The Train page of an app: what it can learn from, a training started and watched as it runs
(progress, loss and validation metric drawn as it goes), the base-vs-trained table, promote and
roll back. The page's script (static/train.js) talks to the trainings API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ocr import selectors
from ocr.services import training as trainings
from ocr.training.bases import DEFAULT_BASE, trainable


@login_required
@require_GET
def train(request: HttpRequest, app: int) -> HttpResponse:
    the_app = selectors.get_app(request.user, app)
    rows = list(selectors.app_trainings(the_app)[:20])
    context = {
        "app": the_app,
        "counts": selectors.verified_counts(the_app),
        "min_pages": trainings.MIN_PAGES,
        "bases": [
            (model, kind, model == DEFAULT_BASE[kind])
            for kind in DEFAULT_BASE
            for model in trainable(kind)
        ],
        "default_steps": trainings.DEFAULT_STEPS,
        "trainings": [(row, trainings.is_promoted(row)) for row in rows],
        "active": rows[0] if rows else None,
    }
    return render(request, "ocr/train.html", context)
