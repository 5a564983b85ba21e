from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import account, explorer, gallery, inputs, review, search, training, views, workflows

app_name = "web"

urlpatterns = [
    path("", views.apps, name="apps"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", account.account, name="account"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("web:password_change_done")),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("models/", gallery.gallery, name="gallery"),
    path("apps/<int:app>/", views.app_detail, name="app"),
    path("apps/<int:app>/settings/", views.app_settings, name="app-settings"),
    path("apps/<int:app>/delete/", views.app_delete, name="app-delete"),
    path("apps/<int:app>/inputs/", inputs.inputs, name="inputs"),
    path("apps/<int:app>/inputs/delete/", inputs.inputs_delete, name="inputs-delete"),
    path("apps/<int:app>/workflows/", workflows.workflows, name="workflows"),
    path(
        "apps/<int:app>/workflows/<int:workflow>/delete/",
        workflows.workflow_delete,
        name="workflow-delete",
    ),
    path("apps/<int:app>/search/", search.search_page, name="search"),
    path("apps/<int:app>/review/", review.review, name="review"),
    path("apps/<int:app>/train/", training.train, name="train"),
    path("inputs/<int:input>/", views.input_detail, name="input"),
    path("inputs/<int:input>/row/", inputs.input_row, name="input-row"),
    path("inputs/<int:input>/thumbnail/", inputs.thumbnail, name="thumbnail"),
    path("inputs/<int:input>/pages/<int:index>/image/", inputs.page_image, name="page-image"),
    path("inputs/<int:input>/runs/", inputs.rerun, name="rerun"),
    path("inputs/<int:input>/pages/<int:index>/", explorer.page, name="page"),
]
