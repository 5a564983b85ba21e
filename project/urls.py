from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("ocr.api.urls")),
    path("", include("ocr.web.urls")),
]
