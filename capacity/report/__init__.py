"""The report run: Papermill executes notebooks, nbconvert exports HTML, an index links them."""

from capacity.report.page import start_page, write_summary
from capacity.report.runner import RunResult, run_report
from capacity.report.tables import show_table

__all__ = ["RunResult", "run_report", "show_table", "start_page", "write_summary"]
