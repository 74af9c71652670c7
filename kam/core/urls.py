from django.urls import path

from kam.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("static-bundles/vega.js", views.vega_bundle_view, name="vega_bundle"),
]
