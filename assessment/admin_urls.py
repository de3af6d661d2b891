from django.urls import path

from . import admin_views

urlpatterns = [
    path("attendance/", admin_views.MonthlySheetView.as_view(), name="monthly_sheet"),
    path("attendance/<str:staff_no>/", admin_views.PersonMonthView.as_view(), name="person_month"),
    path("attendance/<str:staff_no>/add-day/", admin_views.AddDayView.as_view(), name="add_day"),
    path("attendance/day/<int:pk>/correct/", admin_views.CorrectDayView.as_view(), name="correct_day"),
    path("cases/", admin_views.CaseListView.as_view(), name="cases"),
    path("cases/<int:pk>/", admin_views.CaseDetailView.as_view(), name="case"),
    path("qr-codes/", admin_views.QRSheetView.as_view(), name="qr_sheet"),
    path("evaluations/<str:month>/pay-sheet/", admin_views.PaySheetExportView.as_view(), name="pay_sheet"),
]
