"""What is stored: engines and migrations (db, migrations/), the tables (models), the assessment facts the event log
folds (facts) and the stored rules with their version counters (rules)."""
