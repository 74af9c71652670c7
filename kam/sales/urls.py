from django.urls import path

from kam.sales import views

app_name = "sales"
urlpatterns = [
    path("import/", views.import_view, name="import"),
    path("batches/", views.batch_list_view, name="batches"),
    path("batches/<int:pk>/", views.batch_detail_view, name="batch_detail"),
]
