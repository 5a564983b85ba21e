"""Trainings: start one on an app's verified pages, watch it, cancel it, promote its model into
the app's default workflow and roll it back. Every endpoint answers 404 for another user's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ocr import selectors
from ocr.models import Training
from ocr.services import training as trainings
from ocr.training.bases import TRAINABLE

from .pagination import Pagination
from .schema import error


class TrainingProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class TrainingSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    model = serializers.SerializerMethodField()
    promoted = serializers.SerializerMethodField()
    metrics = serializers.JSONField(
        read_only=True,
        help_text='{"base": {...}, "trained": {...}} on the validation pages: precision, '
        "recall, hmean (IoU 0.5) for a detector, cer for a recognizer.",
    )
    split = serializers.JSONField(
        read_only=True, help_text='{"seed", "train": [page ids], "validation": [page ids]}'
    )
    history = serializers.JSONField(read_only=True, help_text='[{"step", "loss", "metric"?}]')

    class Meta:
        model = Training
        fields = [
            "id", "app", "kind", "base", "name", "status", "progress", "metrics", "improved",
            "model", "promoted", "error", "split", "history", "attempts", "created", "started",
            "finished",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(TrainingProgressSerializer)
    def get_progress(self, training: Training) -> dict[str, int]:
        return {"done": training.progress_done, "total": training.steps}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_model(self, training: Training) -> str | None:
        model = getattr(training, "model", None)
        return model.model_id if model is not None else None

    @extend_schema_field(serializers.BooleanField())
    def get_promoted(self, training: Training) -> bool:
        return trainings.is_promoted(training)


class TrainingCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Training.Kind.choices)
    base = serializers.ChoiceField(choices=sorted(TRAINABLE), required=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    steps = serializers.IntegerField(min_value=1, max_value=trainings.MAX_STEPS, required=False)


class TrainingStartedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class PromoteSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        required=False, default=False, help_text="Promote even a model the gate found worse."
    )


def _conflict(exc: trainings.TrainingConflict) -> Response:
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


class AppTrainingsView(generics.ListAPIView):
    serializer_class = TrainingSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[Training]:
        return selectors.app_trainings(selectors.get_app(self.request.user, self.kwargs["app"]))

    @extend_schema(
        request=TrainingCreateSerializer,
        responses={
            202: TrainingStartedSerializer,
            400: error("Bad input, or too few verified pages or lines: the message says."),
            409: error("A training of this app is already queued or running."),
        },
        summary="Train a detector or a recognizer on the app's verified pages.",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        app = selectors.get_app(request.user, self.kwargs["app"])
        form = TrainingCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            training = trainings.start_training(
                app,
                request.user,
                data["kind"],
                base=data.get("base"),
                name=data.get("name", ""),
                steps=data.get("steps"),
            )
        except trainings.TrainingRefused as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from None
        except trainings.TrainingConflict as exc:
            return _conflict(exc)
        body = {"id": training.pk, "status": training.status}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class TrainingDetailView(generics.RetrieveAPIView):
    serializer_class = TrainingSerializer

    def get_object(self) -> Training:
        return selectors.get_training(self.request.user, self.kwargs["training"])


class _TrainingAction(APIView):
    """POST on one training; 404 for another user's, 409 when its state does not allow it."""

    def act(self, training: Training, request: Request) -> Training:
        raise NotImplementedError

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        training = selectors.get_training(request.user, self.kwargs["training"])
        try:
            training = self.act(training, request)
        except trainings.TrainingConflict as exc:
            return _conflict(exc)
        training = selectors.get_training(request.user, training.pk)
        return Response(TrainingSerializer(training).data)


_ACTION_RESPONSES = {200: TrainingSerializer, 409: error("Not possible in its present state.")}


class TrainingCancelView(_TrainingAction):
    @extend_schema(request=None, responses=_ACTION_RESPONSES, summary="Cancel a training.")
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)

    def act(self, training: Training, request: Request) -> Training:
        return trainings.cancel_training(training)


class TrainingPromoteView(_TrainingAction):
    @extend_schema(
        request=PromoteSerializer,
        responses=_ACTION_RESPONSES,
        summary="Put the trained model into the app's default workflow.",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)

    def act(self, training: Training, request: Request) -> Training:
        form = PromoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return trainings.promote_training(training, force=form.validated_data["force"])


class TrainingRollbackView(_TrainingAction):
    @extend_schema(
        request=None,
        responses=_ACTION_RESPONSES,
        summary="Put back the default workflow the app had before the promotion.",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)

    def act(self, training: Training, request: Request) -> Training:
        return trainings.rollback_training(training)
