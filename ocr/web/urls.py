from django.contrib.auth import views as auth_views
from django.urls import path

from . import search, views

app_name = "web"

urlpatterns = [
    path("", views.apps, name="apps"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("apps/<int:app>/", views.app_detail, name="app"),
    path("apps/<int:app>/search/", search.search_page, name="search"),
    path("inputs/<int:input>/", views.input_detail, name="input"),
    path("inputs/<int:input>/pages/<int:index>/", views.page, name="page"),
]
