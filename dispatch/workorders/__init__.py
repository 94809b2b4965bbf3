"""Work orders: creation, edits, lifecycle, assignment, comments, timeline, queries."""
