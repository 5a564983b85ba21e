from django.urls import path

from . import corrections, search, training, views

app_name = "api"

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("apps/", views.AppListView.as_view(), name="apps"),
    path("apps/<int:app>/", views.AppDetailView.as_view(), name="app"),
    path("apps/<int:app>/workflows/", views.WorkflowListView.as_view(), name="workflows"),
    path("apps/<int:app>/inputs/", views.InputListView.as_view(), name="inputs"),
    path("apps/<int:app>/search/", search.SearchView.as_view(), name="search"),
    path("models/", views.ModelListView.as_view(), name="models"),
    path("inputs/<int:input>/", views.InputDetailView.as_view(), name="input"),
    path("inputs/<int:input>/runs/", views.InputRunsView.as_view(), name="input-runs"),
    path("inputs/<int:input>/result/", views.ResultView.as_view(), name="result"),
    path("inputs/<int:input>/export/", views.ExportView.as_view(), name="export"),
    path(
        "inputs/<int:input>/pages/<int:index>/image/",
        views.PageImageView.as_view(),
        name="page-image",
    ),
    path("runs/<int:run>/", views.RunDetailView.as_view(), name="run"),
    path(
        "inputs/<int:input>/pages/<int:index>/regions/",
        corrections.RegionDrawView.as_view(),
        name="page-regions",
    ),
    path(
        "inputs/<int:input>/pages/<int:index>/verified/",
        corrections.PageVerifiedView.as_view(),
        name="page-verified",
    ),
    path("apps/<int:app>/review/", corrections.ReviewView.as_view(), name="review"),
    path("regions/<int:region>/", corrections.RegionView.as_view(), name="region"),
    path("apps/<int:app>/trainings/", training.AppTrainingsView.as_view(), name="trainings"),
    path("trainings/<int:training>/", training.TrainingDetailView.as_view(), name="training"),
    path(
        "trainings/<int:training>/cancel/",
        training.TrainingCancelView.as_view(),
        name="training-cancel",
    ),
    path(
        "trainings/<int:training>/promote/",
        training.TrainingPromoteView.as_view(),
        name="training-promote",
    ),
    path(
        "trainings/<int:training>/rollback/",
        training.TrainingRollbackView.as_view(),
        name="training-rollback",
    ),
    path(
        "regions/<int:region>/history/",
        corrections.RegionHistoryView.as_view(),
        name="region-history",
    ),
    path("regions/<int:region>/crop/", corrections.RegionCropView.as_view(), name="region-crop"),
    path("regions/<int:region>/split/", corrections.RegionSplitView.as_view(), name="region-split"),
    path("regions/<int:region>/merge/", corrections.RegionMergeView.as_view(), name="region-merge"),
]
