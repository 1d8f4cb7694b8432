"""Reports (报告与通报): the daily report first (R-REPORT-1, R-REPORT-5)."""
