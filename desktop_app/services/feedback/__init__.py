"""Result feedback (结果反馈) beyond one PC: departments report back, the credit office sums up.

- `export`: a department's supervisor exports the check records of a period with their
  feedback as a signed, encrypted feedback package (`services.exchange.feedback_package`).
- `office_import`: a PC set up for the credit office (`office_kind = "credit_office"`) imports
  the packages of every department it trusts, checks each department's audit chain from one
  package to the next, and keeps the records read-only with their origin
  (`models.feedback_store`).
- `city_report`: the credit office's reports over what it imported: 联合惩戒动态 per
  department and category, the measures per initiating department, 绩效考核, by month; as
  JSON, PDF (`city_report_pdf`) and Excel.
"""
