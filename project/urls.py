from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("ocr.api.urls")),
    # The OpenAPI document (JSON with `Accept: application/json`, YAML otherwise) and Swagger UI,
    # whose files come from drf-spectacular-sidecar under /static/: no CDN.
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy allows
    # no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("", include("ocr.web.urls")),
]

# Under /api/ these answer JSON in the API's error shape; elsewhere the site's pages.
handler404 = "ocr.api.errors.not_found"
handler500 = "ocr.api.errors.server_error"
